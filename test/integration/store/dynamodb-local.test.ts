import { readFileSync } from "node:fs";
import {
  ConditionalCheckFailedException,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
} from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  REQUESTS_BY_REQUESTER_INDEX,
  REQUESTS_PENDING_INDEX,
  type TableNames,
  TTL_ATTRIBUTE,
} from "#functions/adapters/dynamodb/table-definitions.js";
import { createTestTables, testDynamoDbClient, testDynamoDbEndpoint } from "#test/helpers/dynamodb.js";

/** The harness itself: DynamoDB Local answers, tables match the shared definitions, conditions are real. */
describe("DynamoDB Local harness", () => {
  const client = testDynamoDbClient();
  const doc = DynamoDBDocumentClient.from(client);
  let tables: TableNames;

  beforeAll(async () => {
    tables = await createTestTables(client, "harness");
  });
  afterAll(() => client.destroy());

  it("creates the Requests table with the shared keys, indexes, TTL and stream", async () => {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tables.requests }));
    expect(Table?.KeySchema).toEqual([{ AttributeName: "requestId", KeyType: "HASH" }]);
    expect(Table?.GlobalSecondaryIndexes?.map((g) => g.IndexName).sort()).toEqual(
      [REQUESTS_BY_REQUESTER_INDEX, REQUESTS_PENDING_INDEX].sort(),
    );
    expect(Table?.StreamSpecification).toEqual({ StreamEnabled: true, StreamViewType: "NEW_AND_OLD_IMAGES" });
    const ttl = await client.send(new DescribeTimeToLiveCommand({ TableName: tables.requests }));
    expect(ttl.TimeToLiveDescription?.AttributeName).toBe(TTL_ATTRIBUTE);
  });

  it("writes, reads and conditionally updates an item, refusing a stale version", async () => {
    await doc.send(
      new PutCommand({
        TableName: tables.requests,
        Item: { requestId: "r-1", status: "PENDING", version: 1 },
      }),
    );
    const update = (expectedVersion: number) =>
      doc.send(
        new UpdateCommand({
          TableName: tables.requests,
          Key: { requestId: "r-1" },
          UpdateExpression: "SET #s = :next, version = version + :one",
          ConditionExpression: "#s = :expected AND version = :v",
          ExpressionAttributeNames: { "#s": "status" },
          ExpressionAttributeValues: {
            ":next": "APPROVED",
            ":expected": "PENDING",
            ":v": expectedVersion,
            ":one": 1,
          },
        }),
      );
    await update(1);
    await expect(update(1)).rejects.toBeInstanceOf(ConditionalCheckFailedException);
    const { Item } = await doc.send(
      new GetCommand({ TableName: tables.requests, Key: { requestId: "r-1" }, ConsistentRead: true }),
    );
    expect(Item).toEqual({ requestId: "r-1", status: "APPROVED", version: 2 });
  });

  it("refuses to overwrite an audit event (attribute_not_exists)", async () => {
    const put = () =>
      doc.send(
        new PutCommand({
          TableName: tables.audit,
          Item: {
            requestId: "r-1",
            eventId: "2026-01-01T00:00:00.000Z#v0001#REQUESTED",
            action: "REQUESTED",
          },
          ConditionExpression: "attribute_not_exists(eventId)",
        }),
      );
    await put();
    await expect(put()).rejects.toBeInstanceOf(ConditionalCheckFailedException);
  });

  it("listens on 127.0.0.1 only, not on every interface", () => {
    // Read the kernel's socket table instead of probing other addresses: only loopback traffic here.
    const port = Number(new URL(testDynamoDbEndpoint()).port);
    const listening = listeningAddresses(port);
    expect(listening.length).toBeGreaterThan(0);
    expect(listening.every((address) => address === "127.0.0.1")).toBe(true);
  });
});

/** Local addresses of the TCP sockets listening on `port`, from /proc/net/tcp and tcp6 (Linux). */
function listeningAddresses(port: number): string[] {
  const portHex = port.toString(16).toUpperCase().padStart(4, "0");
  const out: string[] = [];
  for (const file of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    for (const line of readFileSync(file, "utf8").split("\n").slice(1)) {
      const [, local, , state] = line.trim().split(/\s+/);
      if (state !== "0A" || !local?.endsWith(`:${portHex}`)) continue; // 0A = LISTEN
      const hex = local.slice(0, local.indexOf(":"));
      out.push(hex === "0100007F" || hex === "0000000000000000FFFF00000100007F" ? "127.0.0.1" : hex);
    }
  }
  return out;
}
