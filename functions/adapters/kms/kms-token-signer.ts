import { createHash } from "node:crypto";
import { type KMSClient, SignCommand, type SignCommandInput } from "@aws-sdk/client-kms";
import { base64url, type CryptoKey, compactVerify, importJWK } from "jose";
import { type AccessTokenClaims, KMS_SIGNING_ALGORITHM } from "../../domain/token-claims.js";
import type { VerificationKey } from "../../ports/public-keys.js";
import type { SignedToken, TokenSigner } from "../../ports/signer.js";
import { joseSignatureFromKms } from "./jose-signature.js";
import type { KmsPublicKeySource } from "./kms-public-key-source.js";

/** Thrown when KMS signed, but the result is not a token that verifies: nothing is issued. */
export class TokenSigningError extends Error {
  override name = "TokenSigningError";
}

/** Options of {@link KmsTokenSigner}. */
export interface KmsTokenSignerOptions {
  client: KMSClient;
  /** The signing key as configured (id, ARN or alias: `JIT_SIGNING_KEY_ID`). */
  keyId: string;
  /** Where its public key comes from (`GetPublicKey` once per key per container). */
  publicKeys: KmsPublicKeySource;
}

const textEncoder = new TextEncoder();

/**
 * Signs access tokens with an asymmetric KMS key (docs/tokens.md):
 *
 * 1. header `{alg, typ, kid}` from the key's public key (`kid` = RFC 7638 thumbprint);
 * 2. JWS signing input `BASE64URL(header) || '.' || BASE64URL(payload)` (RFC 7515 §5.1);
 * 3. SHA-256 of the signing input computed here, sent to KMS `Sign` with `MessageType: DIGEST` and the
 *    signing algorithm fixed by the JWS `alg` (`KMS_SIGNING_ALGORITHM`), on the key ARN `GetPublicKey`
 *    returned, so the signing key is the key whose public key verifies;
 * 4. DER → JOSE `r || s` for ES256;
 * 5. the finished token is verified with jose and the public key (never KMS `Verify`) before it is
 *    returned: a wrong digest, a double hash or a bad conversion can never leave as a token.
 *
 * One KMS `Sign` call per token.
 */
export class KmsTokenSigner implements TokenSigner {
  /** Imported public keys by `kid`, so verification costs no import per token. */
  private readonly verifyKeys = new Map<string, Promise<CryptoKey | Uint8Array>>();

  constructor(private readonly options: KmsTokenSignerOptions) {}

  /** @throws TokenSigningError when KMS answers unexpectedly or the token does not verify; SDK errors unchanged. */
  async sign(claims: AccessTokenClaims, options: { typ: string }): Promise<SignedToken> {
    const key = await this.options.publicKeys.key(this.options.keyId);
    const header = { alg: key.alg, typ: options.typ, kid: key.kid };
    const signingInput = `${base64url.encode(JSON.stringify(header))}.${base64url.encode(JSON.stringify(claims))}`;
    const request = this.signRequest(key, textEncoder.encode(signingInput));
    const out = await this.options.client.send(new SignCommand(request));
    if (!out.Signature || out.SigningAlgorithm !== KMS_SIGNING_ALGORITHM[key.alg]) {
      throw new TokenSigningError(
        `KMS Sign answered without a signature or with algorithm ${out.SigningAlgorithm ?? "(none)"}.`,
      );
    }
    const signature = joseSignatureFromKms(out.Signature, key.alg);
    const token = `${signingInput}.${base64url.encode(signature)}`;
    await this.verify(token, key);
    return { token, kid: key.kid, alg: key.alg };
  }

  /**
   * The KMS `Sign` request for a JWS signing input: its SHA-256 digest, `MessageType: DIGEST`, and the
   * KMS algorithm that matches `key.alg`. KMS then signs exactly what a JWS verifier recomputes.
   * @param signingInput the ASCII bytes of the JWS signing input.
   */
  protected signRequest(key: VerificationKey, signingInput: Uint8Array): SignCommandInput {
    return {
      KeyId: key.keyId,
      Message: createHash("sha256").update(signingInput).digest(),
      MessageType: "DIGEST",
      SigningAlgorithm: KMS_SIGNING_ALGORITHM[key.alg],
    };
  }

  private async verify(token: string, key: VerificationKey): Promise<void> {
    let publicKey = this.verifyKeys.get(key.kid);
    if (publicKey === undefined) {
      publicKey = importJWK(key.publicJwk, key.alg);
      this.verifyKeys.set(key.kid, publicKey);
    }
    try {
      await compactVerify(token, await publicKey, { algorithms: [key.alg] });
    } catch (err) {
      throw new TokenSigningError(
        `The token signed by KMS key ${key.keyId} does not verify with its public key (kid ${key.kid}).`,
        { cause: err },
      );
    }
  }
}
