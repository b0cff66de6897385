/**
 * Verification of our RFC 9068 access tokens (ARCHITECTURE.md, flow 2, steps 2–3), as the JIT authorizer's use case
 * sees it. The adapter (adapters/auth/access-token-verifier.ts) does the JOSE work; the use case only
 * reads the outcome, so it stays free of jose and AWS imports.
 */

/**
 * Stable reason codes for a refused token. Logged (never the token itself); every one of them makes the
 * authorizer answer 401 `Unauthorized`.
 */
export type TokenRejection =
  /** No bearer token in the event, or an ambiguous one (several Authorization headers). */
  | "token_missing"
  /** Longer than the size cap. */
  | "token_too_large"
  /** Not three non-empty base64url segments, or a payload jose cannot parse. */
  | "token_malformed"
  /** The protected header is not a JSON object. */
  | "header_malformed"
  /** `jwk`, `jku`, `x5u` or `x5c` in the header: keys come only from configuration. */
  | "header_key_reference"
  /** `crit` in the header: we understand no extensions (RFC 7515 §4.1.11). */
  | "header_crit"
  /** A header member outside `alg`, `typ`, `kid`. */
  | "header_unexpected_member"
  /** `kid` missing or not one of the configured keys. */
  | "unknown_kid"
  /** `alg` is not the one algorithm configured for that `kid` (also `none`, HS256, …). */
  | "alg_not_allowed"
  /** `typ` is not `at+jwt` (RFC 9068 §2.1). */
  | "typ_invalid"
  | "signature_invalid"
  /** `exp` passed (beyond the clock tolerance) or `iat` older than the token TTL. */
  | "token_expired"
  /** `nbf` or `iat` in the future beyond the clock tolerance. */
  | "token_not_yet_valid"
  | "issuer_mismatch"
  | "audience_mismatch"
  /** A required claim missing or of the wrong type or range. */
  | "claims_invalid"
  /** `exp - iat` longer than the policy's token TTL. */
  | "token_ttl_exceeded"
  /** The configured keys could not be imported (fault: never an allow). */
  | "keys_unavailable"
  /** Anything else the JOSE library raised. */
  | "verification_error";

/** The claims the authorizer uses, from a token that passed every check. Times: epoch seconds. */
export interface VerifiedAccessToken {
  sub: string;
  jti: string;
  /** The entitlement id. */
  scope: string;
  /** The grant (request) id, from the `jit_request_id` claim. */
  requestId: string;
  iat: number;
  nbf: number;
  exp: number;
  /** True only when the token carries `jit_break_glass: true`. */
  breakGlass: boolean;
}

/** Outcome of {@link AccessTokenVerifier.verify}. */
export type TokenVerification =
  | { ok: true; token: VerifiedAccessToken }
  | { ok: false; reason: TokenRejection };

/** Verifies an access token string. Never throws: every failure is a {@link TokenRejection}. */
export interface AccessTokenVerifier {
  verify(token: string): Promise<TokenVerification>;
}
