import { randomBytes } from "node:crypto";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { TableNames } from "../../functions/adapters/dynamodb/table-definitions.js";
import { createTables, localDynamoDbClient } from "../../local/dynamodb-local.js";

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
  await createTables(client, names);
  return names;
}
