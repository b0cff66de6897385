import {
  type CryptoKey,
  calculateJwkThumbprint,
  decodeProtectedHeader,
  importJWK,
  type JWTPayload,
  type JWTVerifyOptions,
  jwtVerify,
} from "jose";
import * as z from "zod/mini";
import type { Clock } from "../../domain/clock.js";
import {
  ACCESS_TOKEN_TYPE,
  BREAK_GLASS_CLAIM,
  CLIENT_ID,
  CLOCK_TOLERANCE_SECONDS,
  KMS_SIGNING_ALGORITHM,
  PRIVATE_JWK_MEMBERS,
  REQUEST_ID_CLAIM,
} from "../../domain/token-claims.js";
import type {
  AccessTokenVerifier,
  TokenRejection,
  TokenVerification,
  VerifiedAccessToken,
} from "../../ports/access-token-verifier.js";
import type { VerificationKey } from "../../ports/public-keys.js";

/** Longest token accepted, in characters (checked before any parsing). Our tokens are well under 1 KiB. */
export const MAX_TOKEN_LENGTH = 8_192;

/** Header members our tokens carry (token-claims.ts); anything else is refused. */
const ALLOWED_HEADER_MEMBERS: ReadonlySet<string> = new Set(["alg", "typ", "kid"]);

/** Header members that carry or point at a key (RFC 7515 §4.1.2–4.1.6). Never honoured, always refused. */
const KEY_REFERENCE_MEMBERS = ["jwk", "jku", "x5u", "x5c"] as const;

/** Three non-empty base64url segments (RFC 7515 §7.1 compact serialization, RFC 4648 §5 without padding). */
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

// NumericDate sanity (RFC 7519 §2): whole seconds with 10 digits (2001-09-09 … 2286-11-20). Catches
// millisecond values and fractions that a buggy signer might emit.
const numericDate = z.number().check(z.int(), z.gte(1_000_000_000), z.lte(9_999_999_999));
const identifier = z.string().check(z.minLength(1), z.maxLength(512));

const ClaimsSchema = z.object({
  iss: z.string(),
  // RFC 9068 allows an array; our issuer writes one audience, so anything else is not ours.
  aud: z.string(),
  sub: identifier,
  jti: identifier,
  iat: numericDate,
  nbf: numericDate,
  exp: numericDate,
  client_id: z.literal(CLIENT_ID),
  scope: identifier,
  [REQUEST_ID_CLAIM]: identifier,
  [BREAK_GLASS_CLAIM]: z.optional(z.literal(true)),
});

/** Settings of {@link JoseAccessTokenVerifier}. Every one is required: no silent security defaults. */
export interface AccessTokenVerifierOptions {
  /** Trusted keys from configuration; the only keys ever used. */
  keys: readonly VerificationKey[];
  /** Expected `iss` (exact match). */
  issuer: string;
  /** Expected `aud` (exact match; the protected API this authorizer guards). */
  audience: string;
  /** Policy token TTL, seconds: `exp - iat` may not exceed it, nor the token's age. */
  tokenTtlSeconds: number;
  /** Source of "now" for every time check. */
  clock: Clock;
}

interface TrustedKey {
  alg: VerificationKey["alg"];
  key: CryptoKey;
}

/**
 * Verifies our RFC 9068 access tokens with jose, in the order of DESIGN.md §5 (after panva/jose's own):
 * 1. shape: at most {@link MAX_TOKEN_LENGTH} characters, three non-empty base64url segments;
 * 2. protected header (jose `decodeProtectedHeader`, no key work yet): no `jwk`/`jku`/`x5u`/`x5c`
 *    (refused outright, never fetched: this class has no network access at all), no `crit` (RFC 7515
 *    §4.1.11: we understand no extension), no member besides `alg`, `typ`, `kid`; `kid` one of the
 *    configured keys; `alg` exactly that key's algorithm (so `none`, HS256 with a public key as secret,
 *    or another curve are refused before any signature work); `typ` `at+jwt`, compared as RFC 9068 §2.1
 *    and RFC 7515 §4.1.9 say: case-insensitively, `application/at+jwt` being the same media type;
 * 3. signature and registered claims with jose `jwtVerify` (`algorithms: [alg]`, `typ`, `issuer`,
 *    `audience`, required `exp`/`iat`/`nbf`/`jti`/`sub`, clock tolerance
 *    {@link CLOCK_TOLERANCE_SECONDS}, `maxTokenAge` = token TTL, `currentDate` from the injected clock);
 * 4. our claims: integer NumericDates in range, `iat ≤ nbf < exp`, `exp - iat ≤ tokenTtlSeconds`,
 *    `client_id`, `scope` and `jit_request_id` strings, `jit_break_glass` absent or `true`.
 *
 * `maxTokenAge` is the TTL itself, not TTL + tolerance: jose already adds the tolerance to that check.
 * Keys are imported once ({@link importKeys}, shared with the composition's check at start); a failed
 * import is retried on the next call, and answers `keys_unavailable` meanwhile (a fault never allows).
 */
export class JoseAccessTokenVerifier implements AccessTokenVerifier {
  /** The keys once imported: later calls use them without another await (a microtask hop per call). */
  private ready: Map<string, TrustedKey> | undefined;

  constructor(private readonly options: AccessTokenVerifierOptions) {
    if (!options.issuer || !options.audience) throw new TypeError("issuer and audience are required");
    if (!Number.isInteger(options.tokenTtlSeconds) || options.tokenTtlSeconds < 1)
      throw new TypeError("tokenTtlSeconds must be a positive whole number");
  }

  /** Verifies `token`; never throws. */
  async verify(token: string): Promise<TokenVerification> {
    // One async function per call, and no await but jose's once the keys are in: each layer of async
    // functions costs promises and microtask hops on the authorizer's hot path (bench).
    try {
      const header = checkShapeAndHeader(token);
      if (typeof header === "string") return reject(header);
      let keys = this.ready;
      if (keys === undefined) {
        try {
          keys = await importKeys(this.options.keys);
        } catch {
          return reject("keys_unavailable");
        }
        this.ready = keys;
      }
      const trusted = trustedKeyFor(header, keys);
      if (typeof trusted === "string") return reject(trusted);

      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token, trusted.key, joseOptions(trusted.alg, this.options)));
      } catch (err) {
        return reject(rejectionForJoseError(err));
      }
      return checkClaims(payload, this.options);
    } catch {
      return reject("verification_error");
    }
  }
}

/**
 * Steps 1–2 up to the key lookup: the token's shape and its protected header, decoded without key work.
 * @returns the header, or why the token is refused.
 */
function checkShapeAndHeader(token: string): Record<string, unknown> | TokenRejection {
  if (typeof token !== "string" || token.length === 0) return "token_missing";
  if (token.length > MAX_TOKEN_LENGTH) return "token_too_large";
  if (!COMPACT_JWS.test(token)) return "token_malformed";
  let header: Record<string, unknown>;
  try {
    header = decodeProtectedHeader(token) as Record<string, unknown>;
  } catch {
    return "header_malformed";
  }
  for (const member of KEY_REFERENCE_MEMBERS)
    if (Object.hasOwn(header, member)) return "header_key_reference";
  if (Object.hasOwn(header, "crit")) return "header_crit";
  for (const member of Object.keys(header)) {
    if (!ALLOWED_HEADER_MEMBERS.has(member)) return "header_unexpected_member";
  }
  return header;
}

/** Step 2, the rest: `kid` one of the configured keys, `alg` exactly that key's, `typ` `at+jwt`. */
function trustedKeyFor(
  header: Record<string, unknown>,
  keys: Map<string, TrustedKey>,
): TrustedKey | TokenRejection {
  const trusted = typeof header.kid === "string" ? keys.get(header.kid) : undefined;
  if (trusted === undefined) return "unknown_kid";
  if (header.alg !== trusted.alg) return "alg_not_allowed";
  if (typeof header.typ !== "string" || normalizeTyp(header.typ) !== NORMALIZED_ACCESS_TOKEN_TYPE)
    return "typ_invalid";
  return trusted;
}

/**
 * jose's options (step 3). Built per call as a literal, which V8 allocates faster than it copies a
 * prebuilt object (measured); only the claim list is shared, as jose copies it before use.
 */
function joseOptions(alg: TrustedKey["alg"], options: AccessTokenVerifierOptions): JWTVerifyOptions {
  return {
    algorithms: [alg],
    typ: ACCESS_TOKEN_TYPE,
    issuer: options.issuer,
    audience: options.audience,
    requiredClaims: REQUIRED_CLAIMS,
    clockTolerance: CLOCK_TOLERANCE_SECONDS,
    maxTokenAge: options.tokenTtlSeconds,
    currentDate: new Date(options.clock.nowMs()),
  };
}

const REQUIRED_CLAIMS = ["exp", "iat", "nbf", "jti", "sub"];

/** Step 4: our claims, after jose verified the signature and the registered claims. */
function checkClaims(payload: JWTPayload, options: AccessTokenVerifierOptions): TokenVerification {
  const claims = ClaimsSchema.safeParse(payload);
  if (!claims.success) return reject("claims_invalid");
  const c = claims.data;
  if (c.iss !== options.issuer) return reject("issuer_mismatch");
  if (c.aud !== options.audience) return reject("audience_mismatch");
  if (!(c.iat <= c.nbf && c.nbf < c.exp)) return reject("claims_invalid");
  if (c.exp - c.iat > options.tokenTtlSeconds) return reject("token_ttl_exceeded");
  const verified: VerifiedAccessToken = {
    sub: c.sub,
    jti: c.jti,
    scope: c.scope,
    requestId: c[REQUEST_ID_CLAIM],
    iat: c.iat,
    nbf: c.nbf,
    exp: c.exp,
    breakGlass: c[BREAK_GLASS_CLAIM] === true,
  };
  return { ok: true, token: verified };
}

/** Thrown when a configured key is unusable: wrong kid, private material, unknown alg. */
export class VerificationKeyError extends Error {
  override name = "VerificationKeyError";
}

/**
 * Imports configured keys with jose, checking each: a supported alg, no private members, a `kid` equal to
 * the RFC 7638 thumbprint of the public JWK (so a key cannot be filed under another key's id), no
 * duplicate kid, a key jose/WebCrypto can import, and the strength of a KMS key (RSA 2048/3072/4096 bits
 * with exponent 65537, or EC P-256).
 * @throws VerificationKeyError
 */
export function importKeys(keys: readonly VerificationKey[]): Promise<Map<string, TrustedKey>> {
  // The composition imports a container's keys once at start, to refuse a bad key there, and hands the
  // same list to the verifier: remembering the import per list spares doing it all again on the first
  // call. A failed import is forgotten, so it is tried again.
  let pending = importedKeyLists.get(keys);
  if (pending === undefined) {
    pending = importEach(keys);
    importedKeyLists.set(keys, pending);
    pending.catch(() => importedKeyLists.delete(keys));
  }
  return pending;
}

const importedKeyLists = new WeakMap<readonly VerificationKey[], Promise<Map<string, TrustedKey>>>();

async function importEach(keys: readonly VerificationKey[]): Promise<Map<string, TrustedKey>> {
  if (keys.length === 0) throw new VerificationKeyError("no verification keys configured");
  const out = new Map<string, TrustedKey>();
  for (const k of keys) {
    if (!Object.hasOwn(KMS_SIGNING_ALGORITHM, k.alg))
      throw new VerificationKeyError(`key ${k.keyId}: unsupported alg`);
    const jwk = k.publicJwk as Record<string, unknown>;
    if (PRIVATE_JWK_MEMBERS.some((m) => Object.hasOwn(jwk, m)))
      throw new VerificationKeyError(`key ${k.keyId}: not a public key`);
    if (jwk.alg !== undefined && jwk.alg !== k.alg)
      throw new VerificationKeyError(`key ${k.keyId}: JWK alg differs from the configured alg`);
    const thumbprint = await calculateJwkThumbprint(k.publicJwk, "sha256");
    if (thumbprint !== k.kid) throw new VerificationKeyError(`key ${k.keyId}: kid is not its thumbprint`);
    if (out.has(k.kid)) throw new VerificationKeyError(`key ${k.keyId}: duplicate kid`);
    let key: CryptoKey | Uint8Array;
    try {
      key = await importJWK({ ...k.publicJwk, ext: false }, k.alg);
    } catch (err) {
      throw new VerificationKeyError(
        `key ${k.keyId}: not a usable ${k.alg} public key (${(err as Error).message})`,
      );
    }
    if (key instanceof Uint8Array) throw new VerificationKeyError(`key ${k.keyId}: symmetric key`);
    const weakness = keyWeakness(key);
    if (weakness !== undefined) throw new VerificationKeyError(`key ${k.keyId}: ${weakness}`);
    out.set(k.kid, { alg: k.alg, key });
  }
  return out;
}

/** RSA moduli KMS signing keys have (`RSA_2048`, `RSA_3072`, `RSA_4096`), in bits. */
const RSA_MODULUS_BITS: ReadonlySet<number> = new Set([2048, 3072, 4096]);
/** 65537 as WebCrypto gives it (big-endian bytes): the public exponent of every KMS RSA key. */
const F4 = "1,0,1";

/**
 * Why an imported public key must not be trusted, or `undefined`: an RSA key must have a KMS modulus size
 * and the exponent 65537 (with `e = 1`, "verifying" is comparing the signature with the padded hash, so
 * anyone could forge tokens; small moduli can be factored); an EC key must be on P-256.
 */
function keyWeakness(key: CryptoKey): string | undefined {
  const algorithm = key.algorithm as {
    name: string;
    modulusLength?: number;
    publicExponent?: Uint8Array;
    namedCurve?: string;
  };
  if (algorithm.name === "ECDSA") {
    return algorithm.namedCurve === "P-256" ? undefined : `curve ${algorithm.namedCurve} is not P-256`;
  }
  if (!RSA_MODULUS_BITS.has(algorithm.modulusLength ?? 0))
    return `RSA modulus of ${algorithm.modulusLength} bits; KMS keys have 2048, 3072 or 4096`;
  if (Array.from(algorithm.publicExponent ?? []).join(",") !== F4)
    return "RSA public exponent is not 65537 (AQAB), the exponent of every KMS key";
  return undefined;
}

const NORMALIZED_ACCESS_TOKEN_TYPE = normalizeTyp(ACCESS_TOKEN_TYPE);

/** RFC 7515 §4.1.9: `typ` is a media type, case-insensitive, with `application/` optional. */
function normalizeTyp(typ: string): string {
  const lower = typ.toLowerCase();
  return lower.startsWith("application/") ? lower : `application/${lower}`;
}

function reject(reason: TokenRejection): TokenVerification {
  return { ok: false, reason };
}

/** jose error → reason, matched on jose's stable `code` (and `claim`), not on class identity. */
function rejectionForJoseError(err: unknown): TokenRejection {
  const { code, claim, reason } = (err ?? {}) as { code?: unknown; claim?: unknown; reason?: unknown };
  switch (code) {
    case "ERR_JWS_SIGNATURE_VERIFICATION_FAILED":
      return "signature_invalid";
    case "ERR_JWT_EXPIRED":
      return "token_expired";
    case "ERR_JWS_INVALID":
    case "ERR_JWT_INVALID":
      return "token_malformed";
    case "ERR_JOSE_ALG_NOT_ALLOWED":
      return "alg_not_allowed";
    case "ERR_JWT_CLAIM_VALIDATION_FAILED":
      if (reason !== "check_failed") return "claims_invalid";
      switch (claim) {
        case "iss":
          return "issuer_mismatch";
        case "aud":
          return "audience_mismatch";
        case "typ":
          return "typ_invalid";
        case "nbf":
        case "iat":
          return "token_not_yet_valid";
        default:
          return "claims_invalid";
      }
    default:
      return "verification_error";
  }
}
