import { p256 } from "@noble/curves/nist.js";
import type { SigningAlgorithm } from "../../domain/token-claims.js";

/** Thrown when a signature from KMS cannot be turned into a JWS signature; the token is then not issued. */
export class SignatureEncodingError extends Error {
  override name = "SignatureEncodingError";
}

/** Length of an ES256 JWS signature, bytes: `r || s`, 32 bytes each (RFC 7518 §3.4). */
export const ES256_SIGNATURE_BYTES = 64;

/**
 * Converts a signature as KMS returns it into the bytes of a JWS signature.
 *
 * - ES256: KMS returns an ASN.1 DER `ECDSA-Sig-Value` (RFC 3279 §2.2.3); JWS needs the fixed-width
 *   `r || s` form (RFC 7518 §3.4). Neither jose (WebCrypto only produces the raw form) nor node:crypto
 *   (it emits `ieee-p1363` only for signatures it makes itself) converts an existing DER signature, so the
 *   audited `@noble/curves` parser does it. That parser is strict: it refuses trailing bytes, negative or
 *   over-long integers, non-minimal lengths, and `r`/`s` outside `1..n-1`.
 * - RS256 / PS256: an RSA signature is already the octet string JWS uses (RFC 7518 §3.3, §3.5).
 *
 * @param signature the `Signature` blob of a KMS `Sign` response.
 * @returns the JWS signature bytes (64 bytes for ES256).
 * @throws SignatureEncodingError for anything that is not a well-formed signature of that algorithm.
 */
export function joseSignatureFromKms(signature: Uint8Array, alg: SigningAlgorithm): Uint8Array {
  if (alg === "ES256") {
    try {
      return p256.Signature.fromBytes(signature, "der").toBytes("compact");
    } catch (err) {
      throw new SignatureEncodingError(
        `KMS returned an ES256 signature that is not valid DER: ${message(err)}`,
        {
          cause: err,
        },
      );
    }
  }
  if (signature.length === 0) throw new SignatureEncodingError(`KMS returned an empty ${alg} signature`);
  return signature;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
