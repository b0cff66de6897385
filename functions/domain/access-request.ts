/**
 * The access request entity (README.md, How it works). One item in the Requests table; an APPROVED request is a grant.
 * Times are ISO 8601 strings (UTC, `Z`) as the API shows them; the TTL attribute and token claims derive
 * epoch seconds from them.
 */

/** Stored states. EXPIRED is derived (see {@link effectiveStatus}), never stored. */
export type StoredStatus = "PENDING" | "APPROVED" | "DENIED" | "CANCELLED" | "REVOKED";
/** What callers see: a stored state, or EXPIRED when its deadline or `expiresAt` has passed. */
export type EffectiveStatus = StoredStatus | "EXPIRED";

/** One approver's approval; the same `sub` can appear once. */
export interface Approval {
  /** Approver's identity token `sub`. */
  approver: string;
  at: string;
  comment?: string;
  /**
   * The entitlement's approver groups the approver held when approving (their token's groups then), so
   * the rule's steps are matched against them later. Absent on approvals stored before steps existed.
   */
  groups?: string[];
}

/** An access request, as stored. */
export interface AccessRequest {
  requestId: string;
  /**
   * `extension` for a request to extend the grant named by {@link AccessRequest.extends}; absent for an
   * ordinary request (which becomes a grant). An extension never becomes a grant itself: its approval
   * moves the grant's `expiresAt` later (README.md, "Extending a grant").
   */
  kind?: "extension";
  /** The grant id an extension request extends. */
  extends?: string;
  /** An approved extension: the grant's `expiresAt` after it (ISO 8601). */
  extendedTo?: string;
  /** Requester's identity token `sub`. */
  requester: string;
  entitlementId: string;
  /** Token `aud` of the entitlement, copied at creation. */
  audience: string;
  /** Grant length in seconds, already clamped to the entitlement's maxDuration. Fixed at creation. */
  durationSeconds: number;
  justification?: string;
  ticket?: string;
  /** Earliest start of the grant window (ISO 8601), if the requester asked for a later start. */
  startsAt?: string;
  status: StoredStatus;
  /** Optimistic-locking counter, +1 on every transition. */
  version: number;
  createdAt: string;
  /** A PENDING request expires at this time (ISO 8601). */
  approvalDeadline: string;
  approvals: Approval[];
  /** Set for break-glass grants: self-served, flagged, to be reviewed afterwards. */
  breakGlass: boolean;
  autoApproved: boolean;
  /** Grant window (ISO 8601), set when the request becomes APPROVED. `expiresAt` is the single source of truth. */
  grantedAt?: string;
  expiresAt?: string;
  deniedBy?: string;
  denyReason?: string;
  cancelledAt?: string;
  revokedAt?: string;
  revokedBy?: string;
  revokeReason?: string;
  /** Break-glass grants: when an admin reviewed the use (ISO 8601), who, and their note. Set once. */
  reviewedAt?: string;
  reviewedBy?: string;
  reviewNote?: string;
  updatedAt: string;
}

/** True for a request to extend another grant (it never grants anything itself). */
export function isExtension(request: Pick<AccessRequest, "kind">): boolean {
  return request.kind === "extension";
}

/** ISO 8601 text → epoch milliseconds; NaN if it does not parse. */
export function isoToMs(iso: string | undefined): number {
  return iso === undefined ? Number.NaN : Date.parse(iso);
}

/**
 * The one decision of "is this grant usable now" (H15): APPROVED, window started, `now < expiresAt`.
 * Used by the authorizer, by token issue and by every list. DynamoDB TTL is never relied on.
 * @param nowMs epoch milliseconds.
 */
export function isGrantActive(request: AccessRequest, nowMs: number): boolean {
  if (request.status !== "APPROVED" || isExtension(request)) return false;
  const expiresAtMs = isoToMs(request.expiresAt);
  const grantedAtMs = isoToMs(request.grantedAt);
  if (!Number.isFinite(expiresAtMs) || !Number.isFinite(grantedAtMs)) return false;
  return grantedAtMs <= nowMs && nowMs < expiresAtMs;
}

/**
 * The status a caller sees now: EXPIRED for an APPROVED grant past `expiresAt` or a PENDING request past
 * its approval deadline; otherwise the stored status. An APPROVED extension stays APPROVED: it is a
 * decision already applied to its grant, not a window of its own.
 * @param nowMs epoch milliseconds.
 */
export function effectiveStatus(request: AccessRequest, nowMs: number): EffectiveStatus {
  if (request.status === "APPROVED" && !isExtension(request)) {
    const expiresAtMs = isoToMs(request.expiresAt);
    return Number.isFinite(expiresAtMs) && nowMs < expiresAtMs ? "APPROVED" : "EXPIRED";
  }
  if (request.status === "PENDING") {
    const deadlineMs = isoToMs(request.approvalDeadline);
    return Number.isFinite(deadlineMs) && nowMs < deadlineMs ? "PENDING" : "EXPIRED";
  }
  return request.status;
}
