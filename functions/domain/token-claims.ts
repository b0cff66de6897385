/**
 * The access token profile (docs/tokens.md, RFC 9068). Shared by token issue and the JIT authorizer.
 */

/** JOSE header `typ` of our access tokens (RFC 9068 §2.1). */
export const ACCESS_TOKEN_TYPE = "at+jwt";

/** `client_id` claim (RFC 9068 §2.2): the client that obtained the token, here always jit-access. */
export const CLIENT_ID = "jit-access";

/** Private claim carrying the request (grant) id the token was issued for. */
export const REQUEST_ID_CLAIM = "jit_request_id";

/** Private claim set to true on break-glass grants, so protected APIs can flag such calls. */
export const BREAK_GLASS_CLAIM = "jit_break_glass";

/** Clock tolerance, seconds, allowed on `exp`/`nbf`/`iat` checks (H08). One explicit small number. */
export const CLOCK_TOLERANCE_SECONDS = 5;

/** Claims of an access token. Times are NumericDate (RFC 7519 §2): epoch seconds. */
export interface AccessTokenClaims {
  iss: string;
  sub: string;
  aud: string;
  iat: number;
  nbf: number;
  exp: number;
  jti: string;
  client_id: string;
  /** The entitlement id (OAuth `scope`, RFC 9068 §2.2.3). */
  scope: string;
  [REQUEST_ID_CLAIM]: string;
  [BREAK_GLASS_CLAIM]?: boolean;
}

/** JWS algorithms we sign with, and the KMS signing algorithm each requires (H14: fixed map). */
export const KMS_SIGNING_ALGORITHM = {
  ES256: "ECDSA_SHA_256",
  RS256: "RSASSA_PKCS1_V1_5_SHA_256",
  PS256: "RSASSA_PSS_SHA_256",
} as const;

/** A JWS algorithm we support. */
export type SigningAlgorithm = keyof typeof KMS_SIGNING_ALGORITHM;

/**
 * JWK members only private or symmetric keys have (RFC 7518 §6.2.2, §6.3.2, §6.4.1): a key holding one is
 * never trusted for verification.
 */
export const PRIVATE_JWK_MEMBERS = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"] as const;
