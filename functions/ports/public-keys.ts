import type { JWK } from "jose";
import type { SigningAlgorithm } from "../domain/token-claims.js";

/** A public key trusted to verify access tokens. */
export interface VerificationKey {
  /** RFC 7638 JWK thumbprint (SHA-256, base64url): the token header `kid`. */
  kid: string;
  /** The one algorithm this key verifies (allow-list per kid). */
  alg: SigningAlgorithm;
  /** Public JWK with `kid`, `alg`, `use: "sig"`. */
  publicJwk: JWK;
  /**
   * Where the key comes from, for messages: the KMS key ARN it belongs to (`KmsPublicKeySource`), or the
   * configuration entry (`JIT_TRUSTED_JWKS keys[0]`, config/trusted-jwks.ts).
   */
  keyId: string;
}

/**
 * Where published public keys come from: configuration (KMS key ids → `GetPublicKey` once per key per
 * container). Never from a token header.
 */
export interface PublicKeySource {
  /** Keys in configured order: current signing key first, then previous ones. */
  load(): Promise<VerificationKey[]>;
}
