import {
  CreateTableCommand,
  DeleteTableCommand,
  type DynamoDBClient,
  PutItemCommand,
} from "@aws-sdk/client-dynamodb";
import type { DynamoDBRecord, DynamoDBStreamEvent } from "aws-lambda";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import type { TableNames } from "#functions/adapters/dynamodb/table-definitions.js";
import { type StreamPoller, startStreamPoller } from "#local/stream-poller.js";
import { createTestTables, testDynamoDbClient, testDynamoDbEndpoint } from "#test/helpers/dynamodb.js";

const keyOf = (r: DynamoDBRecord) => (r.dynamodb?.Keys?.requestId as { S?: string } | undefined)?.S;

async function waitFor(condition: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("startStreamPoller", () => {
  const client: DynamoDBClient = testDynamoDbClient();
  let tables: TableNames;
  let poller: StreamPoller | undefined;
  const put = (id: string) =>
    client.send(new PutItemCommand({ TableName: tables.requests, Item: { requestId: { S: id } } }));

  beforeEach(async () => {
    await poller?.stop();
    poller = undefined;
    tables = await createTestTables(client, "poller");
  });
  afterAll(async () => {
    await poller?.stop();
    client.destroy();
  });

  it("redelivers from the lowest sequence number a consumer reports in batchItemFailures", async () => {
    for (const id of ["a", "b", "c"]) await put(id);
    const deliveries: string[][] = [];
    let failedOnce = false;
    poller = await startStreamPoller({
      endpoint: testDynamoDbEndpoint(),
      tableName: tables.requests,
      intervalMs: 50,
      onRecords: (records) => {
        deliveries.push(records.map((r) => keyOf(r) ?? "?"));
        const b = records.find((r) => keyOf(r) === "b");
        if (b && !failedOnce) {
          failedOnce = true;
          return { batchItemFailures: [{ itemIdentifier: b.dynamodb?.SequenceNumber }] };
        }
        return { batchItemFailures: [] };
      },
    });
    await waitFor(() => deliveries.length >= 2);
    await poller.stop();
    expect(deliveries.slice(0, 2)).toEqual([
      ["a", "b", "c"],
      ["b", "c"],
    ]);
  });

  it("retries a throwing batch a bounded number of times, reports the drop and moves on", async () => {
    await put("poison");
    const deliveries: string[][] = [];
    const errors: string[] = [];
    poller = await startStreamPoller({
      endpoint: testDynamoDbEndpoint(),
      tableName: tables.requests,
      intervalMs: 50,
      maxRetryAttempts: 2,
      onError: (message) => errors.push(message),
      onRecords: (records) => {
        deliveries.push(records.map((r) => keyOf(r) ?? "?"));
        if (records.some((r) => keyOf(r) === "poison")) throw new Error("consumer crashed");
      },
    });
    await waitFor(() => errors.some((e) => e.startsWith("dropping")));
    await put("after");
    await waitFor(() => deliveries.some((d) => d.includes("after")));
    await poller.stop();
    expect(deliveries.filter((d) => d.includes("poison"))).toHaveLength(3);
    expect(deliveries.at(-1)).toEqual(["after"]);
  });

  it("hands a Lambda-shaped event to `handler` and, from LATEST, skips what was written before it started", async () => {
    await put("before");
    const events: DynamoDBStreamEvent[] = [];
    poller = await startStreamPoller({
      endpoint: testDynamoDbEndpoint(),
      tableName: tables.requests,
      intervalMs: 50,
      startingPosition: "LATEST",
      handler: async (event) => {
        events.push(event);
      },
    });
    await put("after");
    await waitFor(() => events.length > 0);
    await poller.stop();
    expect(events.flatMap((e) => e.Records.map(keyOf))).toEqual(["after"]);
    expect(events[0]?.Records[0]).toMatchObject({
      eventName: "INSERT",
      eventSource: "aws:dynamodb",
      eventSourceARN: expect.stringContaining(`table/${tables.requests}/stream/`),
      dynamodb: { NewImage: { requestId: { S: "after" } }, StreamViewType: "NEW_AND_OLD_IMAGES" },
    });
  });

  it("delivers nothing after stop() has resolved", async () => {
    let deliveries = 0;
    poller = await startStreamPoller({
      endpoint: testDynamoDbEndpoint(),
      tableName: tables.requests,
      intervalMs: 20,
      onRecords: () => {
        deliveries++;
      },
    });
    await poller.stop();
    await poller.stop();
    await put("late");
    await new Promise((r) => setTimeout(r, 300));
    expect(deliveries).toBe(0);
  });

  it("refuses a table without a stream and a call without exactly one consumer", async () => {
    const endpoint = testDynamoDbEndpoint();
    // Every table of the schema has a stream now, so the test makes its own table without one.
    const plain = `NoStream-${tables.requests}`;
    await client.send(
      new CreateTableCommand({
        TableName: plain,
        AttributeDefinitions: [{ AttributeName: "requestId", AttributeType: "S" }],
        KeySchema: [{ AttributeName: "requestId", KeyType: "HASH" }],
        BillingMode: "PAY_PER_REQUEST",
      }),
    );
    try {
      await expect(
        startStreamPoller({ endpoint, tableName: plain, onRecords: () => undefined }),
      ).rejects.toThrow(/no stream/);
    } finally {
      await client.send(new DeleteTableCommand({ TableName: plain }));
    }
    await expect(startStreamPoller({ endpoint, tableName: tables.requests })).rejects.toThrow(/exactly one/);
  });
});
