import { randomBytes } from "node:crypto";
import { DeleteTableCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll } from "vitest";
import type { TableNames } from "#functions/adapters/dynamodb/table-definitions.js";
import {
  createTables,
  type DynamoDbLocal,
  localDynamoDbClient,
  startDynamoDbLocal,
} from "#local/dynamodb-local.js";

/** Environment variable through which the global setup shares the DynamoDB Local endpoint. */
export const DYNAMODB_ENDPOINT_ENV = "JIT_TEST_DYNAMODB_ENDPOINT";

/** The endpoint of this run's DynamoDB Local. Throws outside the integration/e2e projects. */
export function testDynamoDbEndpoint(): string {
  const endpoint = process.env[DYNAMODB_ENDPOINT_ENV];
  if (!endpoint)
    throw new Error(
      `${DYNAMODB_ENDPOINT_ENV} is not set: run this suite through vitest's integration or e2e project`,
    );
  return endpoint;
}

/** A client for this run's DynamoDB Local. */
export function testDynamoDbClient(): DynamoDBClient {
  return localDynamoDbClient(testDynamoDbEndpoint());
}

/**
 * Creates a fresh pair of Requests/Audit tables with a random suffix, so suites sharing one DynamoDB
 * Local never see each other's items.
 */
export async function createTestTables(client: DynamoDBClient, label = "t"): Promise<TableNames> {
  const suffix = `${label}-${randomBytes(4).toString("hex")}`;
  const names = { requests: `Requests-${suffix}`, audit: `Audit-${suffix}` };
  createdTables.push(names.requests, names.audit);
  await createTables(client, names);
  return names;
}

/** Tables this test file created; deleted after the file by {@link deleteTestTables}. */
const createdTables: string[] = [];

/**
 * Deletes every table this test file created. DynamoDB Local runs one TTL sweep job per table on a
 * pool of 10 threads, and a job over a large table sleeps 10 s per 20 items, so leftover tables from
 * earlier files would delay real TTL deletes for the files still running.
 */
export async function deleteTestTables(): Promise<void> {
  if (createdTables.length === 0) return;
  const client = testDynamoDbClient();
  try {
    for (const name of createdTables.splice(0)) {
      await client.send(new DeleteTableCommand({ TableName: name })).catch(() => undefined);
    }
  } finally {
    client.destroy();
  }
}

/**
 * Gives this test file a DynamoDB Local of its own: started before the file's other `beforeAll` hooks
 * (call it at the top of the file, before them) and stopped after the file. For suites that wait on
 * DynamoDB Local's real TTL deletes: its TTL sweeper serves every table of an instance from one small
 * thread pool, so on the run's shared instance the other suites' tables delay those deletes past any
 * sensible timeout.
 */
export function usePrivateDynamoDbLocal(): void {
  const shared = process.env[DYNAMODB_ENDPOINT_ENV];
  let own: DynamoDbLocal | undefined;
  beforeAll(async () => {
    own = await startDynamoDbLocal();
    process.env[DYNAMODB_ENDPOINT_ENV] = own.endpoint;
  }, 120_000);
  afterAll(async () => {
    // The file's own tables go with the instance; the shared cleanup then finds nothing left to drop.
    createdTables.splice(0);
    if (shared === undefined) delete process.env[DYNAMODB_ENDPOINT_ENV];
    else process.env[DYNAMODB_ENDPOINT_ENV] = shared;
    await own?.stop();
  }, 30_000);
}
