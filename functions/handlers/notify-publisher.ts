import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from "aws-lambda";
import { parseAuditStreamRecord } from "../adapters/dynamodb/audit-stream-record.js";
import { throwingEntry } from "../adapters/lambda/lazy-entry.js";
import { createLogger } from "../adapters/logging/logger.js";
import { type PublisherHandlerDeps, publisherDepsFromEnvironment } from "../composition/notify.js";
import type { AuditEvent } from "../domain/audit-event.js";
import { publishAuditEvents } from "../use-cases/publish-audit-events.js";

/** A DynamoDB Streams handler reporting partial batch failures. */
export type PublisherHandler = (event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse>;

/**
 * Audit table stream (NEW_IMAGE) → one EventBridge event per audit event (docs/events.md). It only puts
 * events on the bus; channels are served by their own queues, so a slow channel cannot hold up the stream.
 *
 * Error contract (`ReportBatchItemFailures`): records that are not audit events are logged and skipped;
 * if the request read or the bus fails, the whole batch is reported failed from its first record and
 * retried. Event ids derive from the audit events, so a retried batch puts the same ids again and every
 * consumer deduplicates them.
 */
export function createPublisherHandler(deps: PublisherHandlerDeps): PublisherHandler {
  return async (event) => {
    const records: unknown[] = Array.isArray(event?.Records) ? event.Records : [];
    const events: AuditEvent[] = [];
    let first: string | undefined;
    for (const record of records) {
      const parsed = parseAuditStreamRecord(record);
      if (parsed.kind === "skipped") {
        deps.logger.warn("audit stream record skipped", {
          problem: parsed.problem,
          sequenceNumber: parsed.sequenceNumber,
        });
        continue;
      }
      first ??= parsed.sequenceNumber;
      events.push(parsed.event);
    }
    if (events.length === 0 || first === undefined) return { batchItemFailures: [] };
    try {
      await publishAuditEvents(deps, events);
    } catch (err) {
      deps.logger.error("publishing to the event bus failed; the batch will be retried", {
        events: events.length,
        errorName: err instanceof Error ? err.name : typeof err,
        errorMessage: err instanceof Error ? err.message.slice(0, 300) : undefined,
      });
      return { batchItemFailures: [{ itemIdentifier: first }] };
    }
    deps.logger.info("audit events published", {
      events: events.length,
      actions: events.map((e) => e.action).join(","),
    });
    return { batchItemFailures: [] };
  };
}

/**
 * Lambda entry: builds dependencies from the environment on first invocation, once per container.
 * While they cannot be built the invocation fails, so Lambda retries it and nothing is acknowledged.
 */
export const handler: PublisherHandler = throwingEntry(
  () => createPublisherHandler(publisherDepsFromEnvironment()),
  createLogger("jit-notify-publisher"),
);
