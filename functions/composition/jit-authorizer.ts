import type { Logger } from "@aws-lambda-powertools/logger";
import { importKeys } from "../adapters/auth/access-token-verifier.js";
import { DynamoDbRequestReader } from "../adapters/dynamodb/dynamodb-request-reader.js";
import { ENV, JitAuthorizerEnvironmentSchema, readEnvironment } from "../config/environment.js";
import { loadPolicyJsonFile } from "../config/policy-document.js";
import { parseTrustedJwks } from "../config/trusted-jwks.js";
import { type Clock, systemClock } from "../domain/clock.js";
import { ConfigurationError } from "../domain/errors.js";
import type { JitAuthorizerDeps } from "../handlers/jit-authorizer.js";
import { createDocumentClient } from "./workflow.js";

/** What {@link jitAuthorizerDepsFromEnvironment} may be given instead of building it itself. */
export interface JitAuthorizerCompositionOptions {
  logger: Logger;
  /** Lambda environment; default `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Default the system clock. */
  clock?: Clock;
}

/**
 * Builds the JIT authorizer's dependencies once per container (DESIGN.md §5): validates the environment
 * (`JitAuthorizerEnvironmentSchema`: issuer, audience, trusted keys, revocation cache seconds, policy
 * file, requests table, all required), loads and validates the policy file, builds the DynamoDB grant
 * reader, and reads the trusted public keys from `JIT_TRUSTED_JWKS` (a JWK Set), importing each once to
 * prove it usable. No AWS call is made here, and the authorizer never calls KMS at all: infra reads the
 * public keys from KMS at deploy time (infra/constructs/trusted-keys.ts).
 * @throws ConfigurationError naming a missing/invalid variable, policy field or key (e.g. a `kid` that
 *   is not the key's RFC 7638 thumbprint).
 */
export async function jitAuthorizerDepsFromEnvironment(
  options: JitAuthorizerCompositionOptions,
): Promise<JitAuthorizerDeps> {
  const env = options.env ?? process.env;
  const config = readEnvironment(JitAuthorizerEnvironmentSchema, env);
  const policy = loadPolicyJsonFile(config[ENV.policyFile]);
  const client = createDocumentClient(config[ENV.dynamodbEndpoint], env);
  const reader = new DynamoDbRequestReader(client, config[ENV.requestsTable]);
  const keys = parseTrustedJwks(config[ENV.trustedJwks], ENV.trustedJwks);
  try {
    await importKeys(keys);
  } catch (err) {
    throw new ConfigurationError((err as Error).message, { cause: err });
  }
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
