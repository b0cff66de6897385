import { type AuditAction, type AuditEvent, auditEventId } from "../domain/audit-event.js";
import { type Clock, nowEpochSeconds } from "../domain/clock.js";
import { isJitError } from "../domain/errors.js";
import type { AuditLog } from "../ports/audit-log.js";

/** Actor of an audit event for a removal made by DynamoDB TTL. */
export const TTL_ACTOR = "system:dynamodb-ttl";
/** Actor of an audit event for a removal nobody can be named for (a manual or unknown delete). */
export const UNKNOWN_ACTOR = "system:unknown";

/**
 * Stream record times may be rounded down (DynamoDB Local and older DynamoDB Streams records round
 * `ApproximateCreationDateTime` down to the minute), so the removal happened within this many seconds
 * after the recorded time.
 */
export const REMOVAL_TIME_GRANULARITY_SECONDS = 60;

/**
 * Who the stream says removed the item: `dynamodb-ttl` when the record carries the TTL service identity
 * (`{ type: "Service", principalId: "dynamodb.amazonaws.com" }`), `none` when it carries no identity (a user
 * delete, or DynamoDB Local / a replica, which never set one), `other` for any other identity.
 */
export type RemoverIdentity = "dynamodb-ttl" | "none" | "other";

/** A Requests item removal observed on the table's stream, free of stream and SDK types. */
export interface RequestRemoval {
  requestId: string;
  /** The stream record's sequence number: unique per record, the same when the record is replayed. */
  streamRecordId: string;
  /** The stream record's `ApproximateCreationDateTime`, epoch seconds (possibly rounded down). */
  removedAtEpochSeconds: number;
  remover: RemoverIdentity;
  /** The removed item's TTL attribute (epoch seconds), when it had a numeric one. */
  ttlEpochSeconds?: number;
  /** The record's event name as received (e.g. `REMOVE`), kept in the audit details. */
  streamEventName: string;
  /** Fields of the removed item worth keeping in the audit trail, when present. */
  snapshot: { status?: string; entitlementId?: string; requester?: string; expiresAt?: string };
}

/**
 * How a removal is labelled: `service-identity` (TTL, proven by the stream), `ttl-inferred` (no identity,
 * but the TTL had passed when the item was removed: DynamoDB Local's TTL or a replica), `no-identity`
 * (no identity and TTL not passed: someone deleted it), `unrecognised-identity` (an identity other than
 * the TTL service).
 */
export type RemovalSource = "service-identity" | "ttl-inferred" | "no-identity" | "unrecognised-identity";

/** The audit label of a removal. */
export interface RemovalClassification {
  action: Extract<AuditAction, "EXPIRED" | "DELETED">;
  actor: string;
  source: RemovalSource;
}

/**
 * Labels a removal: EXPIRED (actor {@link TTL_ACTOR}) when made by TTL, DELETED (actor
 * {@link UNKNOWN_ACTOR}) otherwise. Without an identity, TTL is inferred when the item's TTL is at or before
 * the latest moment the removal can have happened: the record time plus
 * {@link REMOVAL_TIME_GRANULARITY_SECONDS}, but never later than now. An item without a numeric TTL cannot
 * have been removed by TTL.
 * Source: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/time-to-live-ttl-streams.html
 * @param nowSeconds epoch seconds now.
 */
export function classifyRemoval(removal: RequestRemoval, nowSeconds: number): RemovalClassification {
  if (removal.remover === "dynamodb-ttl")
    return { action: "EXPIRED", actor: TTL_ACTOR, source: "service-identity" };
  if (removal.remover === "other")
    return { action: "DELETED", actor: UNKNOWN_ACTOR, source: "unrecognised-identity" };
  const latestRemoval = Math.min(
    nowSeconds,
    removal.removedAtEpochSeconds + REMOVAL_TIME_GRANULARITY_SECONDS,
  );
  if (removal.ttlEpochSeconds !== undefined && removal.ttlEpochSeconds <= latestRemoval) {
    return { action: "EXPIRED", actor: TTL_ACTOR, source: "ttl-inferred" };
  }
  return { action: "DELETED", actor: UNKNOWN_ACTOR, source: "no-identity" };
}

/** What {@link recordRequestRemoval} did. */
export interface RecordRemovalResult {
  outcome: "recorded" | "already-recorded";
  event: AuditEvent;
}

/**
 * Appends the audit event for a removed request: EXPIRED or DELETED as {@link classifyRemoval} decides.
 *
 * Idempotent: the event id is derived from the stream record only (`<removal time>#stream#<sequence
 * number>`, the removal time being the record time, or the TTL if later, for EXPIRED), and the audit log refuses a second event with the same id, so a replayed record (Lambda
 * retries, a poller restart) finds its event already there and counts as done.
 * @throws whatever the audit log throws other than a conflict (a transient DynamoDB failure): the caller
 *   reports the record as failed so it is retried.
 */
export async function recordRequestRemoval(
  deps: { audit: AuditLog; clock: Clock },
  removal: RequestRemoval,
): Promise<RecordRemovalResult> {
  const label = classifyRemoval(removal, nowEpochSeconds(deps.clock));
  // A TTL delete happens after the TTL time, and every other event of the request happened before it;
  // stream record times can be coarser than that (DynamoDB Local rounds them down to the minute), so an
  // EXPIRED event is stamped no earlier than the TTL to keep the audit trail in order.
  const removedAtSeconds =
    label.action === "EXPIRED" && removal.ttlEpochSeconds !== undefined
      ? Math.max(removal.removedAtEpochSeconds, removal.ttlEpochSeconds)
      : removal.removedAtEpochSeconds;
  const at = new Date(removedAtSeconds * 1000).toISOString();
  const details: Record<string, string | number> = {
    source: label.source,
    streamEventName: removal.streamEventName,
    streamSequenceNumber: removal.streamRecordId,
  };
  if (removal.ttlEpochSeconds !== undefined) details.ttl = removal.ttlEpochSeconds;
  for (const [key, value] of Object.entries(removal.snapshot)) {
    if (value !== undefined) details[key === "status" ? "storedStatus" : key] = value;
  }
  const event: AuditEvent = {
    requestId: removal.requestId,
    eventId: auditEventId(at, `stream#${removal.streamRecordId}`),
    action: label.action,
    actor: label.actor,
    at,
    details,
  };
  try {
    await deps.audit.append(event);
    return { outcome: "recorded", event };
  } catch (err) {
    if (isJitError(err) && err.code === "conflict") return { outcome: "already-recorded", event };
    throw err;
  }
}
