import type { AccessTokenClaims, SigningAlgorithm } from "../domain/token-claims.js";

/** A token fresh from the signer, with what the audit trail and logs may record about it. */
export interface SignedToken {
  /** The compact JWS (RFC 7515 §7.1): `header.payload.signature`, base64url. Never log or store it. */
  token: string;
  /** JOSE header `kid`: RFC 7638 thumbprint of the key that signed it. */
  kid: string;
  /** JOSE header `alg`. */
  alg: SigningAlgorithm;
}

/**
 * Signs access tokens. Implementations build the protected header (`alg`, `typ`, `kid`), sign the JWS
 * signing input (RFC 7515 §5.1) and verify the finished token with the public key before returning it,
 * so a token that would not verify is never handed out.
 */
export interface TokenSigner {
  /**
   * @param claims the JWT claims set (RFC 7519), serialised as given.
   * @param options.typ JOSE header `typ`, e.g. `at+jwt` (RFC 9068 §2.1).
   * @throws an Error when signing fails or the signature does not verify (fail closed: no token).
   */
  sign(claims: AccessTokenClaims, options: { typ: string }): Promise<SignedToken>;
}
