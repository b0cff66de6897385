import { randomUUID } from "node:crypto";
import { DeleteItemCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { type DynamoDBDocumentClient, PutCommand } from "@aws-sdk/lib-dynamodb";
import { marshall } from "@aws-sdk/util-dynamodb";
import type { DynamoDBRecord, DynamoDBStreamEvent } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DynamoDbAuditLog } from "#functions/adapters/dynamodb/dynamodb-audit-log.js";
import { toRequestItem } from "#functions/adapters/dynamodb/request-item.js";
import type { TableNames } from "#functions/adapters/dynamodb/table-definitions.js";
import { documentClientFor } from "#functions/composition/expiry.js";
import type { AccessRequest } from "#functions/domain/access-request.js";
import { systemClock } from "#functions/domain/clock.js";
import { createExpiryConsumerHandler } from "#functions/handlers/expiry-consumer.js";
import { createTables } from "#local/dynamodb-local.js";
import { startStreamPoller } from "#local/stream-poller.js";
import {
  createTestTables,
  testDynamoDbClient,
  testDynamoDbEndpoint,
  usePrivateDynamoDbLocal,
} from "#test/helpers/dynamodb.js";

interface LogLine {
  level: string;
  message: string;
  attributes: Record<string, unknown>[];
}

function recordingLogger() {
  const lines: LogLine[] = [];
  const at =
    (level: string) =>
    (message: string, ...attributes: Record<string, unknown>[]) => {
      lines.push({ level, message, attributes });
    };
  return { lines, logger: { info: at("info"), warn: at("warn"), error: at("error") } };
}

const keyOf = (r: DynamoDBRecord): string =>
  (r.dynamodb?.Keys?.requestId as { S?: string } | undefined)?.S ?? "";
const nowSeconds = () => Math.floor(Date.now() / 1000);
const iso = (epochSeconds: number) => new Date(epochSeconds * 1000).toISOString();

/** A real APPROVED request whose grant ends at `expiresAtSeconds`; its TTL derives from that. */
function approvedRequest(expiresAtSeconds: number): AccessRequest {
  const created = expiresAtSeconds - 7200;
  return {
    requestId: randomUUID(),
    requester: "alice-sub",
    entitlementId: "prod-read",
    audience: "https://orders.example.com",
    durationSeconds: 3600,
    justification: "incident 42",
    status: "APPROVED",
    version: 3,
    createdAt: iso(created),
    approvalDeadline: iso(created + 3600),
    approvals: [{ approver: "bob-sub", at: iso(created + 60) }],
    breakGlass: false,
    autoApproved: false,
    grantedAt: iso(expiresAtSeconds - 3600),
    expiresAt: iso(expiresAtSeconds),
    updatedAt: iso(created + 60),
  };
}

let sequence = 1000;
/** A stream record in the Lambda event shape, with the old image in DynamoDB JSON. */
function removeRecord(
  request: AccessRequest,
  options: { eventName?: string; userIdentity?: unknown; removedAt?: number } = {},
): DynamoDBRecord {
  const record: DynamoDBRecord = {
    eventID: randomUUID(),
    eventName: (options.eventName ?? "REMOVE") as DynamoDBRecord["eventName"],
    eventVersion: "1.1",
    eventSource: "aws:dynamodb",
    awsRegion: "eu-west-1",
    eventSourceARN: "arn:aws:dynamodb:eu-west-1:123456789012:table/Requests/stream/2026-01-01T00:00:00.000",
    dynamodb: {
      ApproximateCreationDateTime: options.removedAt ?? nowSeconds(),
      Keys: marshall({ requestId: request.requestId }) as never,
      OldImage: marshall(toRequestItem(request)) as never,
      SequenceNumber: String(++sequence).padStart(21, "0"),
      SizeBytes: 512,
      StreamViewType: "NEW_AND_OLD_IMAGES",
    },
  };
  if (options.userIdentity !== undefined) record.userIdentity = options.userIdentity;
  return record;
}

function writeRecord(request: AccessRequest, eventName: "INSERT" | "MODIFY"): DynamoDBRecord {
  const record = removeRecord(request, { eventName });
  if (record.dynamodb) {
    record.dynamodb.NewImage = record.dynamodb.OldImage;
    if (eventName === "INSERT") delete record.dynamodb.OldImage;
  }
  return record;
}

usePrivateDynamoDbLocal();

describe("expiry consumer", () => {
  let client: DynamoDBClient;
  let doc: DynamoDBDocumentClient;
  let tables: TableNames;
  let audit: DynamoDbAuditLog;

  beforeAll(async () => {
    client = testDynamoDbClient();
    tables = await createTestTables(client, "expiry");
    doc = documentClientFor(testDynamoDbEndpoint(), {});
    audit = new DynamoDbAuditLog(doc, tables.audit);
  });
  afterAll(() => {
    doc.destroy();
    client.destroy();
  });

  function consumer() {
    const log = recordingLogger();
    return { log, handle: createExpiryConsumerHandler({ audit, clock: systemClock, logger: log.logger }) };
  }

  describe("H17 stream labels", () => {
    it("labels a TTL service delete, a manual delete and an identity-less past-TTL delete correctly", async () => {
      const now = nowSeconds();
      const byTtlService = approvedRequest(now - 3 * 3600);
      const manual = approvedRequest(now + 3600);
      const byLocalTtl = approvedRequest(now - 600);
      const event: DynamoDBStreamEvent = {
        Records: [
          removeRecord(byTtlService, {
            userIdentity: { type: "Service", principalId: "dynamodb.amazonaws.com" },
          }),
          removeRecord(manual),
          // DynamoDB Local and replicas: no identity, and an event name outside the SDK's union.
          removeRecord(byLocalTtl, { eventName: "UNKNOWN_TO_SDK_VERSION" }),
        ],
      };
      const { handle } = consumer();
      await expect(handle(event)).resolves.toEqual({ batchItemFailures: [] });

      expect(await audit.list(byTtlService.requestId)).toEqual([
        expect.objectContaining({
          action: "EXPIRED",
          actor: "system:dynamodb-ttl",
          details: expect.objectContaining({ source: "service-identity", storedStatus: "APPROVED" }),
        }),
      ]);
      expect(await audit.list(manual.requestId)).toEqual([
        expect.objectContaining({
          action: "DELETED",
          actor: "system:unknown",
          details: expect.objectContaining({ source: "no-identity" }),
        }),
      ]);
      expect(await audit.list(byLocalTtl.requestId)).toEqual([
        expect.objectContaining({
          action: "EXPIRED",
          actor: "system:dynamodb-ttl",
          details: expect.objectContaining({
            source: "ttl-inferred",
            streamEventName: "UNKNOWN_TO_SDK_VERSION",
          }),
        }),
      ]);
    });
  });

  it("ignores inserts and modifications", async () => {
    const request = approvedRequest(nowSeconds() - 60);
    const { handle } = consumer();
    await expect(
      handle({ Records: [writeRecord(request, "INSERT"), writeRecord(request, "MODIFY")] }),
    ).resolves.toEqual({ batchItemFailures: [] });
    expect(await audit.list(request.requestId)).toEqual([]);
  });

  it("records the removal time, TTL and grant of the removed request in the audit event", async () => {
    const removedAt = nowSeconds();
    const request = approvedRequest(removedAt - 120);
    const record = removeRecord(request, { removedAt });
    await consumer().handle({ Records: [record] });
    const [event] = await audit.list(request.requestId);
    expect(event).toEqual({
      requestId: request.requestId,
      eventId: `${iso(removedAt)}#stream#${record.dynamodb?.SequenceNumber}`,
      action: "EXPIRED",
      actor: "system:dynamodb-ttl",
      at: iso(removedAt),
      details: {
        source: "ttl-inferred",
        streamEventName: "REMOVE",
        streamSequenceNumber: record.dynamodb?.SequenceNumber,
        ttl: removedAt - 120,
        storedStatus: "APPROVED",
        entitlementId: "prod-read",
        requester: "alice-sub",
        expiresAt: request.expiresAt,
      },
    });
  });

  it("records a replayed record once, and counts the replay as success", async () => {
    const request = approvedRequest(nowSeconds() - 60);
    const record = removeRecord(request, {
      userIdentity: { type: "Service", principalId: "dynamodb.amazonaws.com" },
    });
    const { handle, log } = consumer();
    await expect(handle({ Records: [record] })).resolves.toEqual({ batchItemFailures: [] });
    await expect(handle({ Records: [record, record] })).resolves.toEqual({ batchItemFailures: [] });
    expect(await audit.list(request.requestId)).toHaveLength(1);
    expect(log.lines.map((l) => l.attributes[0]?.outcome)).toEqual([
      "recorded",
      "already-recorded",
      "already-recorded",
    ]);
  });

  it("logs and skips malformed records without throwing, and still audits the good ones", async () => {
    const good = approvedRequest(nowSeconds() - 60);
    const unknownName = removeRecord(approvedRequest(nowSeconds() - 60), { eventName: "ERASE" });
    if (unknownName.dynamodb) unknownName.dynamodb.NewImage = unknownName.dynamodb.OldImage;
    const noOldImage = removeRecord(approvedRequest(nowSeconds() - 60));
    delete noOldImage.dynamodb?.OldImage;
    const badJson = removeRecord(approvedRequest(nowSeconds() - 60));
    if (badJson.dynamodb) badJson.dynamodb.OldImage = { requestId: { Q: "?" } } as never;
    const records = [null, 42, { eventName: "REMOVE" }, unknownName, noOldImage, badJson, removeRecord(good)];
    const { handle, log } = consumer();
    await expect(handle({ Records: records as DynamoDBRecord[] })).resolves.toEqual({
      batchItemFailures: [],
    });
    expect(log.lines.filter((l) => l.message === "stream record skipped")).toHaveLength(6);
    expect(await audit.list(good.requestId)).toEqual([expect.objectContaining({ action: "EXPIRED" })]);
    for (const r of [unknownName, noOldImage, badJson]) {
      const id = keyOf(r);
      expect(await audit.list(id)).toEqual([]);
    }
  });

  it("does not throw on an event without Records", async () => {
    await expect(consumer().handle({} as DynamoDBStreamEvent)).resolves.toEqual({ batchItemFailures: [] });
  });

  it("reports a failed audit write as a batch item failure so Lambda retries it, and the retry records it", async () => {
    const missing = `Audit-missing-${randomUUID().slice(0, 8)}`;
    const log = recordingLogger();
    const unavailable = new DynamoDbAuditLog(doc, missing);
    const handle = createExpiryConsumerHandler({
      audit: unavailable,
      clock: systemClock,
      logger: log.logger,
    });
    const first = approvedRequest(nowSeconds() - 60);
    const second = approvedRequest(nowSeconds() - 60);
    const firstRecord = removeRecord(first);
    const event = { Records: [writeRecord(first, "MODIFY"), firstRecord, removeRecord(second)] };

    await expect(handle(event)).resolves.toEqual({
      batchItemFailures: [{ itemIdentifier: firstRecord.dynamodb?.SequenceNumber }],
    });
    expect(log.lines.at(-1)).toMatchObject({ level: "error", message: expect.stringMatching(/retried/) });

    // The table comes back (the transient fault clears); Lambda redelivers from the failed record.
    await createTables(client, { requests: `Requests-unused-${missing}`, audit: missing });
    await expect(handle({ Records: event.Records.slice(1) })).resolves.toEqual({ batchItemFailures: [] });
    expect(await unavailable.list(first.requestId)).toEqual([expect.objectContaining({ action: "EXPIRED" })]);
    expect(await unavailable.list(second.requestId)).toEqual([
      expect.objectContaining({ action: "EXPIRED" }),
    ]);
  });

  describe("with the real DynamoDB Local stream", () => {
    it("audits DynamoDB Local's own TTL deletion as EXPIRED and a manual delete as DELETED, through the stream poller", async () => {
      const now = nowSeconds();
      // TTL in the past: DynamoDB Local's TTL sweeper (about every second) deletes it by itself.
      const expired = approvedRequest(now - 600);
      const live = approvedRequest(now + 3600);
      for (const request of [expired, live]) {
        await doc.send(new PutCommand({ TableName: tables.requests, Item: toRequestItem(request) }));
      }
      await client.send(
        new DeleteItemCommand({ TableName: tables.requests, Key: { requestId: { S: live.requestId } } }),
      );

      const delivered: DynamoDBRecord[] = [];
      const { handle } = consumer();
      const errors: string[] = [];
      const poller = await startStreamPoller({
        endpoint: testDynamoDbEndpoint(),
        tableName: tables.requests,
        intervalMs: 100,
        onError: (message) => errors.push(message),
        onRecords: (records) => {
          delivered.push(...records);
          return handle({ Records: records });
        },
      });
      try {
        // DynamoDB Local sweeps each table about every second, but its sweep jobs share 10 threads across
        // all tables, so under a loaded test run the delete can take tens of seconds.
        const deadline = Date.now() + 60_000;
        while (Date.now() < deadline) {
          const [a, b] = await Promise.all([audit.list(expired.requestId), audit.list(live.requestId)]);
          if (a.length > 0 && b.length > 0) break;
          await new Promise((r) => setTimeout(r, 100));
        }
      } finally {
        await poller.stop();
      }

      expect(errors).toEqual([]);
      const removal = delivered.find(
        (r) =>
          (r.dynamodb?.Keys?.requestId as { S?: string })?.S === expired.requestId &&
          r.dynamodb?.OldImage !== undefined,
      );
      // What DynamoDB Local 3.3.0 emits for its TTL deletes: no identity, and an event name the SDK does
      // not know (production TTL deletes are REMOVE with the dynamodb.amazonaws.com service identity).
      expect(removal).toMatchObject({
        eventName: "UNKNOWN_TO_SDK_VERSION",
        eventSourceARN: expect.stringContaining(`table/${tables.requests}/stream/`),
        dynamodb: {
          ApproximateCreationDateTime: expect.any(Number),
          OldImage: expect.objectContaining({ requestId: { S: expired.requestId } }),
          SequenceNumber: expect.stringMatching(/^\d+$/),
        },
      });
      expect(removal?.dynamodb?.NewImage).toBeUndefined();
      expect(removal?.userIdentity).toBeUndefined();
      expect(await audit.list(expired.requestId)).toEqual([
        expect.objectContaining({
          action: "EXPIRED",
          actor: "system:dynamodb-ttl",
          details: expect.objectContaining({ source: "ttl-inferred" }),
        }),
      ]);
      expect(await audit.list(live.requestId)).toEqual([
        expect.objectContaining({
          action: "DELETED",
          actor: "system:unknown",
          details: expect.objectContaining({ source: "no-identity" }),
        }),
      ]);
    }, 90_000);
  });
});
