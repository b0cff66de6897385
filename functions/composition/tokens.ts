import { DynamoDbRequestReader } from "../adapters/dynamodb/dynamodb-request-reader.js";
import { DynamoDbTokenIssueLog } from "../adapters/dynamodb/dynamodb-token-issue-log.js";
import { createKmsClient } from "../adapters/kms/kms-client.js";
import { KmsPublicKeySource } from "../adapters/kms/kms-public-key-source.js";
import { KmsTokenSigner } from "../adapters/kms/kms-token-signer.js";
import {
  ENV,
  IssueEnvironmentSchema,
  JwksEnvironmentSchema,
  readEnvironment,
} from "../config/environment.js";
import { loadPolicyJsonFile } from "../config/policy-document.js";
import { systemClock } from "../domain/clock.js";
import type { PublicKeySource } from "../ports/public-keys.js";
import type { IssueTokenDependencies } from "../use-cases/issue-token.js";
import { createDocumentClient } from "./workflow.js";

/**
 * Builds token issue's dependencies once per container (called by the lazy `handler` of
 * handlers/issue-token.ts): validates `IssueEnvironmentSchema` (policy file, tables, `JIT_ISSUER`,
 * `JIT_SIGNING_KEY_ID`, optional local endpoints), loads the policy (token TTL, entitlement ids), and
 * builds the DynamoDB reader and audit log and the KMS signer. The signer's public key is fetched with
 * `GetPublicKey` on first use and kept for the container's life. No network call happens here.
 * @throws ConfigurationError naming a missing/invalid variable or policy field.
 */
export function issueTokenDepsFromEnvironment(env: NodeJS.ProcessEnv = process.env): IssueTokenDependencies {
  const config = readEnvironment(IssueEnvironmentSchema, env);
  const policy = loadPolicyJsonFile(config[ENV.policyFile]);
  const documents = createDocumentClient(config[ENV.dynamodbEndpoint], env);
  const kms = createKmsClient({ endpoint: config[ENV.kmsEndpoint], env });
  const keyId = config[ENV.signingKeyId];
  return {
    requests: new DynamoDbRequestReader(documents, config[ENV.requestsTable]),
    audit: new DynamoDbTokenIssueLog(documents, config[ENV.auditTable], config[ENV.requestsTable]),
    signer: new KmsTokenSigner({
      client: kms,
      keyId,
      publicKeys: new KmsPublicKeySource({ client: kms, keyIds: [keyId] }),
    }),
    clock: systemClock,
    issuer: config[ENV.issuer],
    tokenTtlSeconds: policy.tokenTtlSeconds,
    entitlementIds: new Set(policy.entitlements.map((e) => e.id)),
  };
}

/** What the public well-known endpoints need. */
export interface WellKnownDependencies {
  /** `iss` of our tokens (`JIT_ISSUER`). */
  issuer: string;
  /** The published keys: `JIT_PUBLIC_KEY_IDS`, current first. */
  keys: PublicKeySource;
}

/**
 * Builds the well-known endpoints' dependencies once per container from `JwksEnvironmentSchema`
 * (`JIT_ISSUER`, `JIT_PUBLIC_KEY_IDS`, optional `JIT_KMS_ENDPOINT`). Keys are fetched with `GetPublicKey`
 * on the first request and kept for the container's life: a rotation is a configuration change, which
 * starts new containers.
 * @throws ConfigurationError naming a missing/invalid variable.
 */
export function wellKnownDepsFromEnvironment(env: NodeJS.ProcessEnv = process.env): WellKnownDependencies {
  const config = readEnvironment(JwksEnvironmentSchema, env);
  return {
    issuer: config[ENV.issuer],
    keys: new KmsPublicKeySource({
      client: createKmsClient({ endpoint: config[ENV.kmsEndpoint], env }),
      keyIds: config[ENV.publicKeyIds],
    }),
  };
}
