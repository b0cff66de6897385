import { createKmsClient } from "../adapters/kms/kms-client.js";
import { KmsPublicKeySource } from "../adapters/kms/kms-public-key-source.js";
import { ENV, readEnvironment, TrustedKeysResourceEnvironmentSchema } from "../config/environment.js";
import type { PublicKeySource } from "../ports/public-keys.js";

/** What the trusted-keys resource needs: a key source for the KMS keys a deployment names. */
export interface TrustedKeysResourceDeps {
  /** KMS key ids/ARNs (current first) → the source that reads their public keys with `GetPublicKey`. */
  keySource(keyIds: readonly string[]): PublicKeySource;
}

/**
 * Builds the trusted-keys resource's dependencies from `TrustedKeysResourceEnvironmentSchema` (only the
 * optional `JIT_KMS_ENDPOINT`, set locally and in tests). One KMS client per container.
 * @throws ConfigurationError naming an invalid variable.
 */
export function trustedKeysResourceDepsFromEnvironment(
  env: NodeJS.ProcessEnv = process.env,
): TrustedKeysResourceDeps {
  const config = readEnvironment(TrustedKeysResourceEnvironmentSchema, env);
  const client = createKmsClient({ endpoint: config[ENV.kmsEndpoint], env });
  return { keySource: (keyIds) => new KmsPublicKeySource({ client, keyIds }) };
}
