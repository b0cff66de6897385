import { createPublicKey } from "node:crypto";
import { GetPublicKeyCommand, type KMSClient } from "@aws-sdk/client-kms";
import { calculateJwkThumbprint, exportJWK, type JWK } from "jose";
import { ConfigurationError } from "../../domain/errors.js";
import { KMS_SIGNING_ALGORITHM, type SigningAlgorithm } from "../../domain/token-claims.js";
import type { PublicKeySource, VerificationKey } from "../../ports/public-keys.js";

/** RSA key specs we sign with (KMS `KeySpec`); every one supports RS256 and PS256. */
const RSA_KEY_SPECS: ReadonlySet<string> = new Set(["RSA_2048", "RSA_3072", "RSA_4096"]);

/** Options of {@link KmsPublicKeySource}. */
export interface KmsPublicKeySourceOptions {
  client: KMSClient;
  /** KMS key ids, ARNs or aliases: the current signing key first, then previous ones (rotation). */
  keyIds: readonly string[];
  /**
   * JWS algorithm for RSA keys (`RS256` or `PS256`). An RSA key can make either signature, so the choice
   * is configuration, and it must be the same for the signer and every verifier. Default `RS256`.
   * `ECC_NIST_P256` keys are always ES256.
   */
  rsaAlgorithm?: "RS256" | "PS256";
}

/**
 * Public keys from KMS `GetPublicKey`, fetched at most once per key per container (the promise is kept;
 * a failed fetch is forgotten so the next call retries it). Keys come only from configuration, never
 * from a token header (ARCHITECTURE.md, flow 2).
 *
 * Each key is checked before it is trusted: `KeyUsage` must be `SIGN_VERIFY`, `KeySpec` one we sign with,
 * and the key must allow the KMS signing algorithm of its JWS algorithm (H14 map in token-claims.ts).
 * Its `kid` is the RFC 7638 JWK thumbprint (SHA-256) of the public key.
 */
export class KmsPublicKeySource implements PublicKeySource {
  private readonly cache = new Map<string, Promise<VerificationKey>>();
  private readonly rsaAlgorithm: "RS256" | "PS256";

  constructor(private readonly options: KmsPublicKeySourceOptions) {
    if (options.keyIds.length === 0) throw new ConfigurationError("No KMS public key ids are configured.");
    this.rsaAlgorithm = options.rsaAlgorithm ?? "RS256";
  }

  /**
   * The configured keys, current first; a key listed twice (by alias and by ARN) appears once.
   * @throws ConfigurationError when a key is not an asymmetric signing key we support; SDK errors of
   *   `GetPublicKey` (e.g. `NotFoundException`, throttling) unchanged.
   */
  async load(): Promise<VerificationKey[]> {
    const keys = await Promise.all(this.options.keyIds.map((keyId) => this.key(keyId)));
    return keys.filter((k, index) => keys.findIndex((other) => other.kid === k.kid) === index);
  }

  /**
   * One key by the id it is configured under (id, ARN or alias); `keyId` of the result is the key ARN
   * KMS answered with, so signing uses exactly the key whose public key verifies.
   * @throws as {@link load}.
   */
  key(keyId: string): Promise<VerificationKey> {
    let pending = this.cache.get(keyId);
    if (pending === undefined) {
      pending = this.fetch(keyId);
      this.cache.set(keyId, pending);
      pending.catch(() => this.cache.delete(keyId));
    }
    return pending;
  }

  private async fetch(keyId: string): Promise<VerificationKey> {
    const out = await this.options.client.send(new GetPublicKeyCommand({ KeyId: keyId }));
    if (out.KeyUsage !== "SIGN_VERIFY") {
      throw new ConfigurationError(
        `KMS key ${keyId} has KeyUsage ${out.KeyUsage ?? "(none)"}; token signing needs a SIGN_VERIFY key.`,
      );
    }
    const alg = this.algorithmFor(keyId, out.KeySpec);
    const kmsAlgorithm = KMS_SIGNING_ALGORITHM[alg];
    if (!out.SigningAlgorithms?.includes(kmsAlgorithm)) {
      throw new ConfigurationError(`KMS key ${keyId} does not allow ${kmsAlgorithm}, which ${alg} requires.`);
    }
    if (!out.PublicKey || !out.KeyId) {
      throw new ConfigurationError(`KMS GetPublicKey for ${keyId} returned no public key or key id.`);
    }
    const publicKey = createPublicKey({ key: Buffer.from(out.PublicKey), format: "der", type: "spki" });
    const jwk = await exportJWK(publicKey);
    const kid = await calculateJwkThumbprint(jwk, "sha256");
    const publicJwk: JWK = { ...jwk, kid, alg, use: "sig" };
    return { kid, alg, publicJwk, keyId: out.KeyId };
  }

  private algorithmFor(keyId: string, keySpec: string | undefined): SigningAlgorithm {
    if (keySpec === "ECC_NIST_P256") return "ES256";
    if (keySpec !== undefined && RSA_KEY_SPECS.has(keySpec)) return this.rsaAlgorithm;
    throw new ConfigurationError(
      `KMS key ${keyId} has KeySpec ${keySpec ?? "(none)"}; supported: ECC_NIST_P256, RSA_2048, RSA_3072, RSA_4096.`,
    );
  }
}
