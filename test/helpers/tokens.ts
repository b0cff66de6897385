import { createHmac, randomUUID } from "node:crypto";
import {
  base64url,
  type CryptoKey,
  calculateJwkThumbprint,
  exportJWK,
  generateKeyPair,
  type JWK,
} from "jose";
import {
  ACCESS_TOKEN_TYPE,
  CLIENT_ID,
  REQUEST_ID_CLAIM,
  type SigningAlgorithm,
} from "#functions/domain/token-claims.js";
import type { VerificationKey } from "#functions/ports/public-keys.js";

/**
 * Test access tokens, minted with keys generated per test (never stored token strings). Every header
 * member and claim can be overridden or removed, and the signature segment replaced, so hostile-input
 * tests can build exactly the token they describe.
 */

/** A key pair made for one test, with the {@link VerificationKey} an authorizer would be configured with. */
export interface TestKey {
  alg: SigningAlgorithm;
  kid: string;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  publicJwk: JWK;
  verificationKey: VerificationKey;
}

/** Generates a fresh extractable key pair; `kid` is its RFC 7638 thumbprint, as our issuer sets it. */
export async function generateTestKey(
  alg: SigningAlgorithm = "ES256",
  keyId = "test-kms-key",
): Promise<TestKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const exported = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(exported, "sha256");
  const publicJwk: JWK = { ...exported, kid, alg, use: "sig" };
  return { alg, kid, privateKey, publicKey, publicJwk, verificationKey: { kid, alg, publicJwk, keyId } };
}

/** Issuer and audience the authorizer tests are configured with. */
export const TEST_ISSUER = "https://jit.example.test";
export const TEST_AUDIENCE = "orders-api";

/** Options of {@link mintAccessToken}. `undefined` as a header or claim value removes that member. */
export interface MintOptions {
  /** Key that signs (and whose `kid`/`alg` go into the header unless overridden). */
  key: TestKey;
  /** "Now", epoch seconds: `iat` and `nbf` default to it, `exp` to it + `ttlSeconds`. */
  nowSeconds: number;
  /** Default 900 (the example policy's PT15M). */
  ttlSeconds?: number;
  /** The grant id (`jit_request_id`); default a random UUID. */
  requestId?: string;
  header?: Record<string, unknown>;
  claims?: Record<string, unknown>;
  /** Replace the signature segment: given the signing input and the correct signature bytes. */
  signature?: (signingInput: string, valid: Uint8Array) => string;
}

/** The default claims of a valid token for {@link TEST_ISSUER}/{@link TEST_AUDIENCE}. */
export function defaultClaims(options: {
  nowSeconds: number;
  ttlSeconds?: number;
  requestId?: string;
}): Record<string, unknown> {
  const ttl = options.ttlSeconds ?? 900;
  return {
    iss: TEST_ISSUER,
    sub: "alice",
    aud: TEST_AUDIENCE,
    iat: options.nowSeconds,
    nbf: options.nowSeconds,
    exp: options.nowSeconds + ttl,
    jti: randomUUID(),
    client_id: CLIENT_ID,
    scope: "orders-read",
    [REQUEST_ID_CLAIM]: options.requestId ?? randomUUID(),
  };
}

/**
 * A compact JWS access token: header `{alg, typ: "at+jwt", kid}` and {@link defaultClaims}, with the
 * overrides applied, signed with `key` over the exact signing input (RFC 7515 §5.1).
 */
export async function mintAccessToken(options: MintOptions): Promise<string> {
  const header = merge(
    { alg: options.key.alg, typ: ACCESS_TOKEN_TYPE, kid: options.key.kid },
    options.header,
  );
  const claims = merge(defaultClaims(options), options.claims);
  const signingInput = `${encodeJson(header)}.${encodeJson(claims)}`;
  const valid = await signBytes(options.key, signingInput);
  const signature = options.signature ? options.signature(signingInput, valid) : base64url.encode(valid);
  return `${signingInput}.${signature}`;
}

/** An HS256 token whose HMAC secret is `secret` (algorithm-confusion attacks, H02). */
export function mintHmacToken(
  secret: Uint8Array | string,
  header: Record<string, unknown>,
  claims: Record<string, unknown>,
): string {
  const signingInput = `${encodeJson({ alg: "HS256", ...header })}.${encodeJson(claims)}`;
  const mac = createHmac("sha256", secret).update(signingInput).digest();
  return `${signingInput}.${base64url.encode(mac)}`;
}

/** `BASE64URL(UTF8(JSON))` of a header or claims object. */
export function encodeJson(value: unknown): string {
  return base64url.encode(JSON.stringify(value));
}

/** The JWS signature of `signingInput` with the test key (ES256: raw `r || s`, RFC 7518 §3.4). */
export async function signBytes(key: TestKey, signingInput: string): Promise<Uint8Array> {
  const data = new TextEncoder().encode(signingInput);
  const params =
    key.alg === "ES256"
      ? { name: "ECDSA", hash: "SHA-256" }
      : key.alg === "PS256"
        ? { name: "RSA-PSS", saltLength: 32 }
        : { name: "RSASSA-PKCS1-v1_5" };
  return new Uint8Array(await crypto.subtle.sign(params, key.privateKey, data));
}

function merge(base: Record<string, unknown>, overrides?: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(overrides ?? {})) {
    if (v === undefined) delete out[k];
    else out[k] = v;
  }
  return out;
}
