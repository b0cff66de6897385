import { Logger } from "@aws-lambda-powertools/logger";
import { createKmsClient } from "#functions/adapters/kms/kms-client.js";
import { KmsPublicKeySource } from "#functions/adapters/kms/kms-public-key-source.js";
import { TRUSTED_KEYS_ATTRIBUTE, TRUSTED_KEYS_PROPERTY } from "#functions/config/trusted-keys-contract.js";
import { createTrustedKeysResourceHandler } from "#functions/handlers/trusted-keys-resource.js";

/** The deploy-time log line means nothing locally; errors are thrown, not logged. */
const silentLogger = new Logger({ serviceName: "jit-trusted-keys", logLevel: "SILENT" });

/**
 * The JIT authorizer's `JIT_TRUSTED_JWKS` for a local stack, made the way a deployment makes it: the
 * trusted-keys custom resource handler runs a `Create` event against the KMS-compatible endpoint
 * (`GetPublicKey` per key) and its `Jwks` attribute is returned.
 * @param kmsEndpoint URL of the KMS-compatible endpoint, e.g. `http://127.0.0.1:4599`.
 * @param keyIds KMS key ids/ARNs/aliases, current first.
 * @returns the JWK Set as JSON.
 * @throws what the handler throws (an unusable key, an unreachable endpoint).
 */
export async function readTrustedJwks(kmsEndpoint: string, keyIds: readonly string[]): Promise<string> {
  const client = createKmsClient({ endpoint: kmsEndpoint });
  try {
    const handler = createTrustedKeysResourceHandler(
      { keySource: (ids) => new KmsPublicKeySource({ client, keyIds: ids }) },
      silentLogger,
    );
    const result = await handler({
      RequestType: "Create",
      ResourceProperties: { [TRUSTED_KEYS_PROPERTY]: [...keyIds] },
    });
    const jwks = result.Data?.[TRUSTED_KEYS_ATTRIBUTE];
    if (jwks === undefined) throw new Error("the trusted-keys resource returned no Jwks attribute");
    return jwks;
  } finally {
    client.destroy();
  }
}
