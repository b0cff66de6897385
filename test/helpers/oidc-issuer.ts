import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import {
  type CryptoKey,
  calculateJwkThumbprint,
  exportJWK,
  generateKeyPair,
  type JWK,
  type JWTPayload,
  SignJWT,
} from "jose";

/** Signature algorithms the issuer can sign with. */
export type OidcSigningAlgorithm = "RS256" | "ES256";

/** One signing key of the issuer. `kid` is the RFC 7638 thumbprint of the public JWK. */
export interface OidcSigningKey {
  kid: string;
  alg: OidcSigningAlgorithm;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  /** Public JWK as published in the JWKS (`kid`, `alg`, `use: "sig"`). */
  publicJwk: JWK;
}

/** What {@link OidcIssuer.mintIdToken} puts in the token. */
export interface MintIdTokenInput {
  sub: string;
  /** Written to the issuer's groups claim; omitted → no groups claim. */
  groups?: string[];
  /** `aud`; default the issuer's default audience. */
  aud?: string | string[];
  /** Seconds until `exp`; default 3600. Negative values mint an already expired token. */
  expiresInSeconds?: number;
  /** `iat`/`nbf` base (epoch seconds); default now. */
  issuedAt?: number;
  /** `iss`; default the issuer URL (override to mint a token "from another issuer"). */
  issuer?: string;
  /** Extra or replacing claims; a value of `undefined` removes a default claim (e.g. `token_use`). */
  claims?: Record<string, unknown>;
  /** Sign with this key (e.g. one not in the JWKS); default the current key. */
  key?: OidcSigningKey;
  /** Extra protected header members (e.g. `typ`). `alg` and `kid` come from the key. */
  header?: Record<string, unknown>;
}

/** A running in-process OIDC issuer over loopback HTTP. */
export interface OidcIssuer {
  /** `http://127.0.0.1:PORT` plus the issuer path (the `iss` of its tokens). */
  issuer: string;
  /** `http://127.0.0.1:PORT`: the server's origin, for minting tokens of "another tenant". */
  origin: string;
  /** Where the JWKS is served (named by the discovery document). */
  jwksUri: string;
  /** Number of discovery document requests served so far. */
  readonly discoveryRequests: number;
  /** Makes the discovery document answer 503 (false) or normally (true), to simulate an outage. */
  setDiscoveryAvailable(available: boolean): void;
  /** Default `aud` of minted tokens (the OIDC client id). */
  audience: string;
  /** Name of the claim that carries groups (`cognito:groups` by default). */
  groupsClaim: string;
  /** Number of JWKS requests served so far (to assert caching and that refused tokens fetch nothing). */
  readonly jwksRequests: number;
  /** The key new tokens are signed with. */
  readonly currentKey: OidcSigningKey;
  /** Keys published in the JWKS right now. */
  publishedKeys(): OidcSigningKey[];
  /**
   * Generates a new key, publishes it and makes it current. `retireOld` removes the previous keys from
   * the JWKS (a hard rotation); by default they stay published (overlap, as IdPs do).
   */
  rotateKey(options?: { retireOld?: boolean }): Promise<OidcSigningKey>;
  /** A fresh key of the issuer's algorithm that is NOT published (for unknown-kid tests). */
  createUnpublishedKey(): Promise<OidcSigningKey>;
  /** Mints a signed ID token (Cognito-shaped: `token_use: "id"`, `auth_time`, `jti`). */
  mintIdToken(input: MintIdTokenInput): Promise<string>;
  /** Stops the HTTP server. Idempotent. */
  close(): Promise<void>;
}

/** Settings of {@link startOidcIssuer}. */
export interface StartOidcIssuerOptions {
  alg?: OidcSigningAlgorithm;
  audience?: string;
  groupsClaim?: string;
  /** Port on 127.0.0.1; default a free one chosen by the OS. */
  port?: number;
  /** Path of the issuer after the origin (Okta `/oauth2/default`, Entra `/{tenant}/v2.0`); default none. */
  issuerPath?: string;
  /** Path of the JWKS (Okta `…/v1/keys`, Entra `/{tenant}/discovery/v2.0/keys`, Google `/oauth2/v3/certs`). */
  jwksPath?: string;
}

/**
 * Starts an OIDC issuer on 127.0.0.1 with a real key pair (generated with jose), serving
 * `GET /.well-known/openid-configuration` (OpenID Connect Discovery 1.0 §3) and `GET /.well-known/jwks.json`
 * (RFC 7517), and minting ID tokens in-process. For tests and for the local stack's development IdP.
 * Anything else answers 404. Close it with `close()`.
 */
export async function startOidcIssuer(options: StartOidcIssuerOptions = {}): Promise<OidcIssuer> {
  const alg = options.alg ?? "RS256";
  const audience = options.audience ?? "jit-access-test-client";
  const groupsClaim = options.groupsClaim ?? "cognito:groups";
  let keys: OidcSigningKey[] = [await newSigningKey(alg)];
  let jwksRequests = 0;
  let discoveryRequests = 0;
  let discoveryAvailable = true;
  let issuer = "";
  const issuerPath = options.issuerPath ?? "";
  const jwksPath = options.jwksPath ?? "/.well-known/jwks.json";

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? "").split("?")[0];
    if (req.method !== "GET") return send(res, 405, { error: "method_not_allowed" });
    if (path === jwksPath) {
      jwksRequests++;
      return send(res, 200, { keys: keys.map((k) => k.publicJwk) });
    }
    if (path === `${issuerPath}/.well-known/openid-configuration`) {
      discoveryRequests++;
      if (!discoveryAvailable) return send(res, 503, { error: "unavailable" });
      return send(res, 200, {
        issuer,
        jwks_uri: `${origin}${jwksPath}`,
        response_types_supported: ["id_token"],
        subject_types_supported: ["public"],
        id_token_signing_alg_values_supported: [alg],
      });
    }
    return send(res, 404, { error: "not_found" });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;
  issuer = `${origin}${issuerPath}`;
  let closed = false;

  const current = (): OidcSigningKey => {
    const key = keys[keys.length - 1];
    if (!key) throw new Error("the issuer has no published key");
    return key;
  };

  return {
    issuer,
    origin,
    jwksUri: `${origin}${jwksPath}`,
    get discoveryRequests() {
      return discoveryRequests;
    },
    setDiscoveryAvailable(available) {
      discoveryAvailable = available;
    },
    audience,
    groupsClaim,
    get jwksRequests() {
      return jwksRequests;
    },
    get currentKey() {
      return current();
    },
    publishedKeys: () => [...keys],
    async rotateKey(rotation = {}) {
      const key = await newSigningKey(alg);
      keys = rotation.retireOld ? [key] : [...keys, key];
      return key;
    },
    createUnpublishedKey: () => newSigningKey(alg),
    async mintIdToken(input) {
      const key = input.key ?? current();
      const iat = input.issuedAt ?? Math.floor(Date.now() / 1000);
      const claims: Record<string, unknown> = {
        token_use: "id",
        auth_time: iat,
        jti: randomUUID(),
        ...(input.groups === undefined ? {} : { [groupsClaim]: input.groups }),
        ...input.claims,
      };
      for (const [name, value] of Object.entries(claims)) if (value === undefined) delete claims[name];
      return new SignJWT(claims as JWTPayload)
        .setProtectedHeader({ typ: "JWT", ...input.header, alg: key.alg, kid: key.kid })
        .setIssuer(input.issuer ?? issuer)
        .setSubject(input.sub)
        .setAudience(input.aud ?? audience)
        .setIssuedAt(iat)
        .setExpirationTime(iat + (input.expiresInSeconds ?? 3600))
        .sign(key.privateKey);
    },
    async close() {
      if (closed) return;
      closed = true;
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function newSigningKey(alg: OidcSigningAlgorithm): Promise<OidcSigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const jwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(jwk);
  return { kid, alg, privateKey, publicKey, publicJwk: { ...jwk, kid, alg, use: "sig" } };
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}
