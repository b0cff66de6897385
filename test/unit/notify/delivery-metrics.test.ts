import { randomUUID } from "node:crypto";
import type { SQSEvent, SQSRecord } from "aws-lambda";
import { describe, expect, it } from "vitest";
import { EmfMetrics } from "#functions/adapters/metrics/emf-metrics.js";
import { DeliveryError } from "#functions/domain/notifications/delivery-error.js";
import type { IntegrationEventDetail } from "#functions/domain/notifications/integration-event.js";
import { createDeliveryHandler } from "#functions/handlers/delivery-handler.js";
import type { ChannelSender, NotificationLedger } from "#functions/ports/notifications.js";
import { METRIC, METRICS_SERVICE } from "#functions/ports/operational-metrics.js";
import { ManualClock } from "#test/helpers/clock.js";
import { captureEmf, countsOf } from "#test/helpers/emf.js";

/** A ledger in memory: what the DynamoDB ledger does, minus the table. */
class MemoryLedger implements NotificationLedger {
  readonly keys = new Set<string>();
  async has(key: string) {
    return this.keys.has(key);
  }
  async record(key: string) {
    this.keys.add(key);
  }
}

/** A channel that accepts everything except channel `down`, which answers 503. */
const sender: ChannelSender = {
  async send(channel) {
    if (channel === "down") throw new DeliveryError("status", "receiver answered 503", 503);
  },
};

const silent = { info() {}, warn() {}, error() {} };

function record(body: string): SQSRecord {
  return {
    messageId: randomUUID(),
    receiptHandle: "handle",
    body,
    attributes: { ApproximateReceiveCount: "1" },
    eventSourceARN: "arn:aws:sqs:us-east-1:123456789012:queue",
  } as unknown as SQSRecord;
}

function message(channel: string): string {
  const detail = {
    eventId: randomUUID(),
    action: "REQUESTED",
    request: {},
  } as unknown as IntegrationEventDetail;
  return JSON.stringify({ channel, event: { detail } });
}

describe("delivery metrics (EMF)", () => {
  it("counts deliveries and failed attempts per channel, unreadable messages, and no duplicate", async () => {
    const handler = createDeliveryHandler({
      sender,
      ledger: new MemoryLedger(),
      retry: { async delay() {} },
      backoff: { baseSeconds: 10, maxSeconds: 900 },
      random: () => 0.5,
      clock: new ManualClock(0),
      logger: silent,
      metrics: new EmfMetrics(),
    });
    const again = message("security");
    const event = (bodies: string[]) => ({ Records: bodies.map(record) }) as SQSEvent;
    const emf = await captureEmf(async () => {
      const first = await handler(event([again, message("down"), "not json"]));
      expect(first.batchItemFailures).toHaveLength(2);
      // A redelivered event is a duplicate: not delivered again, not counted again.
      expect((await handler(event([again]))).batchItemFailures).toEqual([]);
    });
    const counts = countsOf(emf);
    expect(counts).toHaveLength(3);
    expect(counts).toEqual(
      expect.arrayContaining([
        { name: METRIC.notificationDelivered, dimensions: { service: METRICS_SERVICE, channel: "security" } },
        {
          name: METRIC.notificationDeliveryFailed,
          dimensions: { service: METRICS_SERVICE, channel: "down" },
        },
        { name: METRIC.notificationUnreadable, dimensions: { service: METRICS_SERVICE } },
      ]),
    );
  });
});
