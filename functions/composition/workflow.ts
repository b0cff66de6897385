import { randomUUID } from "node:crypto";
import type { Logger } from "@aws-lambda-powertools/logger";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { reportOutagesAs, SDK_REQUEST_HANDLER_TIMEOUTS } from "../adapters/aws/dependency-outage.js";
import { FileCursorKey, SecretsManagerCursorKey } from "../adapters/cursor/cursor-key-sources.js";
import { DynamoDbAuditLog } from "../adapters/dynamodb/dynamodb-audit-log.js";
import { DynamoDbRequestRepository } from "../adapters/dynamodb/dynamodb-request-repository.js";
import {
  ENV,
  ListEnvironmentSchema,
  readEnvironment,
  StoreEnvironmentSchema,
} from "../config/environment.js";
import { loadPolicyJsonFile } from "../config/policy-document.js";
import { systemClock } from "../domain/clock.js";
import type { CursorKeySource } from "../ports/cursor-key.js";
import type { WorkflowDeps } from "../use-cases/workflow-deps.js";

/** Region and static credentials used only with a local DynamoDB endpoint (never in AWS). */
const LOCAL_REGION = "us-east-1";
const LOCAL_CREDENTIALS = { accessKeyId: "local", secretAccessKey: "local" } as const;

/**
 * A DynamoDB document client for this Lambda. With `JIT_DYNAMODB_ENDPOINT` set (local stack, tests) it
 * talks to that endpoint, in `us-east-1`, with static local credentials unless the environment has some.
 * Undefined attribute values are dropped rather than failing a write. An outage (unreachable, failing or
 * throttling, after the SDK's retries) surfaces as a `DependencyUnavailableError` (503 `unavailable`).
 */
export function createDocumentClient(endpoint: string | undefined, env: NodeJS.ProcessEnv = process.env) {
  const hasCredentials = Boolean(env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY);
  const client = new DynamoDBClient(
    endpoint === undefined
      ? { requestHandler: SDK_REQUEST_HANDLER_TIMEOUTS }
      : {
          endpoint,
          region: env.AWS_REGION ?? LOCAL_REGION,
          ...(hasCredentials ? {} : { credentials: LOCAL_CREDENTIALS }),
        },
  );
  reportOutagesAs("DynamoDB", client);
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}

/**
 * Builds the workflow's dependencies from the Lambda environment (policy file, table names, optional local
 * endpoint): called once per container by each workflow handler's lazy `handler`.
 * @throws ConfigurationError naming the missing/invalid variable or policy field.
 */
export function workflowDepsFromEnvironment(
  logger: Logger,
  env: NodeJS.ProcessEnv = process.env,
): WorkflowDeps {
  const config = readEnvironment(StoreEnvironmentSchema, env);
  const policy = loadPolicyJsonFile(config[ENV.policyFile]);
  const client = createDocumentClient(config[ENV.dynamodbEndpoint], env);
  const audit = new DynamoDbAuditLog(client, config[ENV.auditTable]);
  const requests = new DynamoDbRequestRepository(client, config[ENV.requestsTable], audit, (item, error) =>
    logger.error("malformed request item left out of a list", {
      jitRequestId: typeof item.requestId === "string" ? item.requestId : "",
      error: error as Error,
    }),
  );
  return { requests, audit, policy, clock: systemClock, ids: { requestId: () => randomUUID() } };
}

/**
 * The key source of `next` cursors for the list Lambda, from `ListEnvironmentSchema`: the Secrets Manager
 * secret `JIT_CURSOR_KEY_SECRET` (AWS) or the file `JIT_CURSOR_KEY_FILE` (local stack). Nothing is read
 * here; the key is fetched on first use and kept for the container's life.
 * @throws ConfigurationError naming the variables when neither or both are set.
 */
export function cursorKeyFromEnvironment(env: NodeJS.ProcessEnv = process.env): CursorKeySource {
  const config = readEnvironment(ListEnvironmentSchema, env);
  const file = config[ENV.cursorKeyFile];
  if (file !== undefined) return new FileCursorKey(file);
  const client = new SecretsManagerClient({ requestHandler: SDK_REQUEST_HANDLER_TIMEOUTS });
  reportOutagesAs("Secrets Manager", client);
  return new SecretsManagerCursorKey(client, config[ENV.cursorKeySecret] as string);
}
