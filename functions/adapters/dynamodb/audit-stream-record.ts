import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import type { AuditEvent } from "../../domain/audit-event.js";

/** One Audit stream record, read: a new audit event, or a record to skip with a reason safe to log. */
export type AuditStreamRecord =
  | { kind: "event"; event: AuditEvent; sequenceNumber: string }
  | { kind: "skipped"; problem: string; sequenceNumber?: string };

/**
 * Reads a Lambda DynamoDB Streams record of the Audit table (view NEW_IMAGE). The Audit table is
 * append-only, so only INSERT records carry events; anything else, or a record whose image is not an
 * audit event, is skipped. Never throws.
 * Source: https://docs.aws.amazon.com/lambda/latest/dg/with-ddb.html
 */
export function parseAuditStreamRecord(record: unknown): AuditStreamRecord {
  const r = record as { eventName?: unknown; dynamodb?: { NewImage?: unknown; SequenceNumber?: unknown } };
  const sequenceNumber =
    typeof r?.dynamodb?.SequenceNumber === "string" ? r.dynamodb.SequenceNumber : undefined;
  const skipped = (problem: string): AuditStreamRecord => ({
    kind: "skipped",
    problem,
    ...(sequenceNumber === undefined ? {} : { sequenceNumber }),
  });
  if (sequenceNumber === undefined) return skipped("record has no sequence number");
  if (typeof r.eventName !== "string" || r.eventName.trim().toUpperCase() !== "INSERT") {
    return skipped("not an INSERT");
  }
  const image = r.dynamodb?.NewImage;
  if (typeof image !== "object" || image === null) return skipped("INSERT record has no NewImage");
  let item: Record<string, unknown>;
  try {
    item = unmarshall(image as Record<string, AttributeValue>);
  } catch {
    return skipped("NewImage is not valid DynamoDB JSON");
  }
  const { requestId, eventId, action, actor, at } = item;
  if (![requestId, eventId, action, actor, at].every((v) => typeof v === "string" && v.length > 0)) {
    return skipped("NewImage is not an audit event");
  }
  const event: AuditEvent = {
    requestId: requestId as string,
    eventId: eventId as string,
    action: action as AuditEvent["action"],
    actor: actor as string,
    at: at as string,
  };
  if (typeof item.version === "number") event.version = item.version;
  if (typeof item.details === "object" && item.details !== null) {
    event.details = Object.fromEntries(
      Object.entries(item.details as Record<string, unknown>).filter(
        ([, v]) => typeof v === "string" || typeof v === "number" || typeof v === "boolean",
      ),
    ) as AuditEvent["details"];
  }
  return { kind: "event", event, sequenceNumber };
}
