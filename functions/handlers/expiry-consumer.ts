import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from "aws-lambda";
import { parseRequestsStreamRecord } from "../adapters/dynamodb/requests-stream-record.js";
import { throwingEntry } from "../adapters/lambda/lazy-entry.js";
import { createLogger } from "../adapters/logging/logger.js";
import { type ExpiryConsumerDeps, expiryConsumerDepsFromEnvironment } from "../composition/expiry.js";
import { recordRequestRemoval } from "../use-cases/record-expiry.js";

/** A DynamoDB Streams handler reporting partial batch failures. */
export type ExpiryConsumerHandler = (event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse>;

/**
 * Consumes the Requests table stream: every REMOVE becomes an audit EXPIRED (TTL) or DELETED event for the
 * removed request (see `recordRequestRemoval`); INSERT and MODIFY are ignored.
 *
 * Error contract (event source mapping with `ReportBatchItemFailures`,
 * https://docs.aws.amazon.com/lambda/latest/dg/services-ddb-batchfailurereporting.html):
 * - a record that cannot be used (unknown event name, no old image, no request id...) is logged and
 *   skipped: retrying it cannot help, and throwing would stall the shard;
 * - a failed audit write (throttling, a DynamoDB outage) stops the batch and returns that record's sequence
 *   number in `batchItemFailures`, so Lambda retries from it; records before it are done, and records after
 *   it are retried too, which is harmless because recording is idempotent;
 * - a replayed record whose event already exists counts as done.
 * The handler itself never throws.
 */
export function createExpiryConsumerHandler(deps: ExpiryConsumerDeps): ExpiryConsumerHandler {
  return async (event) => {
    const records: unknown[] = Array.isArray(event?.Records) ? event.Records : [];
    if (!Array.isArray(event?.Records)) deps.logger.warn("stream event without Records; nothing to do");
    for (const record of records) {
      const parsed = parseRequestsStreamRecord(record);
      if (parsed.kind === "ignored") continue;
      if (parsed.kind === "unusable") {
        deps.logger.warn("stream record skipped", {
          problem: parsed.problem,
          sequenceNumber: parsed.sequenceNumber,
          eventName: parsed.eventName,
        });
        continue;
      }
      const { removal } = parsed;
      try {
        const result = await recordRequestRemoval(deps, removal);
        deps.logger.info("request removal audited", {
          requestId: removal.requestId,
          action: result.event.action,
          source: result.event.details?.source,
          outcome: result.outcome,
          sequenceNumber: removal.streamRecordId,
        });
      } catch (err) {
        deps.logger.error("audit write failed; the record will be retried", {
          requestId: removal.requestId,
          sequenceNumber: removal.streamRecordId,
          errorName: err instanceof Error ? err.name : typeof err,
        });
        return { batchItemFailures: [{ itemIdentifier: removal.streamRecordId }] };
      }
    }
    return { batchItemFailures: [] };
  };
}

/**
 * Lambda entry: builds its dependencies from the environment on the first batch, once per container. While
 * they cannot be built the invocation fails, so Lambda retries the batch and no record is skipped.
 */
export const handler: ExpiryConsumerHandler = throwingEntry(
  () => createExpiryConsumerHandler(expiryConsumerDepsFromEnvironment()),
  createLogger("jit-expiry-consumer"),
);
