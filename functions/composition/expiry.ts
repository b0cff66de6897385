import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import * as z from "zod/mini";
import { reportOutagesAs, SDK_REQUEST_HANDLER_TIMEOUTS } from "../adapters/aws/dependency-outage.js";
import { DynamoDbAuditLog } from "../adapters/dynamodb/dynamodb-audit-log.js";
import { createLogger } from "../adapters/logging/logger.js";
import { ENV, readEnvironment, StoreEnvironmentSchema } from "../config/environment.js";
import { type Clock, systemClock } from "../domain/clock.js";
import type { AuditLog } from "../ports/audit-log.js";
import type { StructuredLog } from "../ports/structured-log.js";

/**
 * The expiry consumer's environment: only the Audit table (and, locally, the DynamoDB endpoint). It reads
 * nothing but the stream records Lambda hands it, so it needs no policy file and no Requests table name.
 */
export const ExpiryConsumerEnvironmentSchema = z.pick(StoreEnvironmentSchema, {
  [ENV.auditTable]: true,
  [ENV.dynamodbEndpoint]: true,
});

/** What the expiry consumer needs. */
export interface ExpiryConsumerDeps {
  audit: AuditLog;
  clock: Clock;
  logger: StructuredLog;
}

/**
 * A DynamoDB document client. With `endpoint` (DynamoDB Local, `JIT_DYNAMODB_ENDPOINT`) it uses region
 * `us-east-1` and static local credentials unless credentials are in the environment; without it, the
 * SDK's defaults (the Lambda role and region).
 */
export function documentClientFor(endpoint: string | undefined, env: NodeJS.ProcessEnv = process.env) {
  const hasCredentials = Boolean(env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY);
  const client = new DynamoDBClient(
    endpoint === undefined
      ? { requestHandler: SDK_REQUEST_HANDLER_TIMEOUTS }
      : {
          endpoint,
          region: env.AWS_REGION ?? "us-east-1",
          ...(hasCredentials ? {} : { credentials: { accessKeyId: "local", secretAccessKey: "local" } }),
        },
  );
  reportOutagesAs("DynamoDB", client);
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}

/**
 * Builds the expiry consumer's dependencies from the Lambda environment, once per cold start.
 * No network call happens here.
 * @throws ConfigurationError naming each missing or invalid variable.
 */
export function expiryConsumerDepsFromEnvironment(env: NodeJS.ProcessEnv = process.env): ExpiryConsumerDeps {
  const config = readEnvironment(ExpiryConsumerEnvironmentSchema, env);
  return {
    audit: new DynamoDbAuditLog(documentClientFor(config[ENV.dynamodbEndpoint], env), config[ENV.auditTable]),
    clock: systemClock,
    logger: createLogger("jit-expiry-consumer"),
  };
}
