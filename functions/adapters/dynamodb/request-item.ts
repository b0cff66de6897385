import type { AccessRequest, StoredStatus } from "../../domain/access-request.js";
import { isoToMs } from "../../domain/access-request.js";
import { STATUS_ENTITLEMENT_ATTRIBUTE, TTL_ATTRIBUTE } from "./table-definitions.js";

/** A Requests table item as lib-dynamodb (un)marshals it. */
export type RequestItem = Record<string, unknown>;

const STATUSES: ReadonlySet<StoredStatus> = new Set([
  "PENDING",
  "APPROVED",
  "DENIED",
  "CANCELLED",
  "REVOKED",
]);

/**
 * Epoch seconds (10 digits) for the TTL attribute: `expiresAt` for grants, the approval deadline for
 * pending requests, and for terminal requests whichever of those is known. TTL is garbage collection
 * only; every read path checks `expiresAt` itself.
 */
export function ttlEpochSeconds(request: AccessRequest): number {
  // An approved extension lives as long as the grant it extended.
  const source = request.expiresAt ?? request.extendedTo ?? request.approvalDeadline;
  return Math.ceil(isoToMs(source) / 1000);
}

/** The status/entitlement index key, `PENDING#orders-admin`. */
export function statusEntitlementKey(status: StoredStatus, entitlementId: string): string {
  return `${status}#${entitlementId}`;
}

/** Entity → item: adds the TTL attribute and the status/entitlement index key. */
export function toRequestItem(request: AccessRequest): RequestItem {
  const item: RequestItem = {
    ...request,
    [TTL_ATTRIBUTE]: ttlEpochSeconds(request),
    [STATUS_ENTITLEMENT_ATTRIBUTE]: statusEntitlementKey(request.status, request.entitlementId),
  };
  for (const [k, v] of Object.entries(item)) if (v === undefined) delete item[k];
  return item;
}

/** Thrown when a stored item does not have the shape of a request; callers treat it as "no grant". */
export class MalformedRequestItemError extends Error {
  override name = "MalformedRequestItemError";
}

/**
 * Item → entity, checking the fields every decision depends on. A TTL attribute that is not epoch
 * seconds (a millisecond value, a string) makes the item malformed (H16): it would never be collected
 * and signals a writer bug, so nothing is granted from it.
 * @throws MalformedRequestItemError
 */
export function fromRequestItem(item: RequestItem): AccessRequest {
  const str = (k: string): string => {
    const v = item[k];
    if (typeof v !== "string") throw new MalformedRequestItemError(`request item field ${k} is not a string`);
    return v;
  };
  const optStr = (k: string): string | undefined => {
    const v = item[k];
    if (v === undefined) return undefined;
    if (typeof v !== "string") throw new MalformedRequestItemError(`request item field ${k} is not a string`);
    return v;
  };
  const num = (k: string): number => {
    const v = item[k];
    if (typeof v !== "number" || !Number.isFinite(v))
      throw new MalformedRequestItemError(`request item field ${k} is not a number`);
    return v;
  };
  const status = str("status");
  if (!STATUSES.has(status as StoredStatus)) throw new MalformedRequestItemError(`unknown status ${status}`);
  const ttl = item[TTL_ATTRIBUTE];
  if (typeof ttl !== "number" || !Number.isInteger(ttl) || ttl < 1_000_000_000 || ttl > 9_999_999_999) {
    throw new MalformedRequestItemError(`${TTL_ATTRIBUTE} is not epoch seconds`);
  }
  const approvals = Array.isArray(item.approvals) ? item.approvals : [];
  const kind = optStr("kind");
  if (kind !== undefined && kind !== "extension") throw new MalformedRequestItemError(`unknown kind ${kind}`);
  const request: AccessRequest = {
    requestId: str("requestId"),
    kind: kind as AccessRequest["kind"],
    extends: optStr("extends"),
    extendedTo: optStr("extendedTo"),
    requester: str("requester"),
    entitlementId: str("entitlementId"),
    audience: str("audience"),
    durationSeconds: num("durationSeconds"),
    justification: optStr("justification"),
    ticket: optStr("ticket"),
    startsAt: optStr("startsAt"),
    status: status as StoredStatus,
    version: num("version"),
    createdAt: str("createdAt"),
    approvalDeadline: str("approvalDeadline"),
    approvals: approvals.map((a) => {
      const o = a as Record<string, unknown>;
      if (typeof o.approver !== "string" || typeof o.at !== "string")
        throw new MalformedRequestItemError("bad approval");
      return {
        approver: o.approver,
        at: o.at,
        ...(typeof o.comment === "string" ? { comment: o.comment } : {}),
        ...(Array.isArray(o.groups) && o.groups.every((g) => typeof g === "string")
          ? { groups: o.groups as string[] }
          : {}),
      };
    }),
    breakGlass: item.breakGlass === true,
    autoApproved: item.autoApproved === true,
    grantedAt: optStr("grantedAt"),
    expiresAt: optStr("expiresAt"),
    deniedBy: optStr("deniedBy"),
    denyReason: optStr("denyReason"),
    cancelledAt: optStr("cancelledAt"),
    revokedAt: optStr("revokedAt"),
    revokedBy: optStr("revokedBy"),
    revokeReason: optStr("revokeReason"),
    reviewedAt: optStr("reviewedAt"),
    reviewedBy: optStr("reviewedBy"),
    reviewNote: optStr("reviewNote"),
    updatedAt: str("updatedAt"),
  };
  for (const [k, v] of Object.entries(request))
    if (v === undefined) delete (request as unknown as Record<string, unknown>)[k];
  return request;
}
