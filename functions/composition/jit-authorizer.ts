import type { Logger } from "@aws-lambda-powertools/logger";
import { DynamoDbRequestReader } from "../adapters/dynamodb/dynamodb-request-reader.js";
import { createKmsClient } from "../adapters/kms/kms-client.js";
import { KmsPublicKeySource } from "../adapters/kms/kms-public-key-source.js";
import { ENV, JitAuthorizerEnvironmentSchema, readEnvironment } from "../config/environment.js";
import { loadPolicyJsonFile } from "../config/policy-document.js";
import { type Clock, systemClock } from "../domain/clock.js";
import { ConfigurationError } from "../domain/errors.js";
import type { JitAuthorizerDeps } from "../handlers/jit-authorizer.js";
import type { PublicKeySource } from "../ports/public-keys.js";
import { createDocumentClient } from "./workflow.js";

/** What {@link jitAuthorizerDepsFromEnvironment} may be given instead of building it itself. */
export interface JitAuthorizerCompositionOptions {
  logger: Logger;
  /** Lambda environment; default `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Trusted keys; default KMS `GetPublicKey` over `JIT_PUBLIC_KEY_IDS` (with `JIT_KMS_ENDPOINT` if set). */
  publicKeySource?: PublicKeySource;
  /** Default the system clock. */
  clock?: Clock;
}

/**
 * Builds the JIT authorizer's dependencies once per container (DESIGN.md §5): validates the environment
 * (`JitAuthorizerEnvironmentSchema`: issuer, audience, public key ids, revocation cache seconds, policy
 * file, requests table, all required), loads and validates the policy file, builds the DynamoDB grant
 * reader, and loads the trusted public keys. This is the only place KMS is called, and only
 * `GetPublicKey`: authorizing a call never reaches KMS.
 * @throws ConfigurationError naming a missing/invalid variable or policy field, or when no key loads;
 *   SDK errors of `GetPublicKey` (e.g. throttling) unchanged, so the caller can retry on the next call.
 */
export async function jitAuthorizerDepsFromEnvironment(
  options: JitAuthorizerCompositionOptions,
): Promise<JitAuthorizerDeps> {
  const env = options.env ?? process.env;
  const config = readEnvironment(JitAuthorizerEnvironmentSchema, env);
  const policy = loadPolicyJsonFile(config[ENV.policyFile]);
  const client = createDocumentClient(config[ENV.dynamodbEndpoint], env);
  const reader = new DynamoDbRequestReader(client, config[ENV.requestsTable]);
  const source =
    options.publicKeySource ??
    new KmsPublicKeySource({
      client: createKmsClient({ endpoint: config[ENV.kmsEndpoint], env }),
      keyIds: config[ENV.publicKeyIds],
    });
  const keys = await source.load();
  if (keys.length === 0) throw new ConfigurationError(`${ENV.publicKeyIds}: no public key could be loaded`);
  return {
    keys,
    reader,
    policy,
    audience: config[ENV.audience],
    issuer: config[ENV.issuer],
    revocationCacheSeconds: config[ENV.revocationCacheSeconds],
    clock: options.clock ?? systemClock,
    logger: options.logger,
  };
}
