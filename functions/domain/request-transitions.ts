/**
 * The request state machine (README.md, How it works) as pure functions: each checks who acts and the state the
 * request is in now, and returns the next state plus exactly one audit event. Persisting it is the
 * repository's job: one transaction conditioned on the state read here (status, version, deadline), so a
 * concurrent change makes the write fail instead of producing a double transition.
 */

import { type AccessRequest, type Approval, effectiveStatus, isExtension } from "./access-request.js";
import { approvalProgress, approverGroupsHeld } from "./approval-rule.js";
import { type AuditAction, type AuditEvent, auditEventId } from "./audit-event.js";
import { ConflictError, ExpiredError, ForbiddenError } from "./errors.js";
import type { Entitlement, Policy } from "./policy.js";
import {
  type Actor,
  assertMayOversee,
  isAdmin,
  isApproverOf,
  isRequester,
  maybeSameIdentity,
} from "./policy-evaluation.js";

/** One state change, ready to persist. */
export interface RequestTransition {
  /** The request as read; the write requires its `status` and `version` to be unchanged. */
  before: AccessRequest;
  /** The request after the change (`version` = before + 1). */
  after: AccessRequest;
  /**
   * The time attribute of `before` that must still lie after {@link RequestTransition.now} when the write
   * happens: the approval deadline of a PENDING request, `expiresAt` of a grant; `null` for a change that
   * is allowed after both (the review of a break-glass grant).
   */
  deadlineField: "approvalDeadline" | "expiresAt" | null;
  /** ISO 8601 time of the decision. */
  now: string;
  /** The one audit event of this transition. */
  event: AuditEvent;
}

/** `v0003#APPROVED`: audit event id suffix, unique per request version and action. */
export function versionSuffix(version: number, action: AuditAction): string {
  return `v${String(version).padStart(4, "0")}#${action}`;
}

/**
 * The grant window of a request approved at `nowMs`: it starts at the later of approval and the
 * requested `startsAt`, and lasts `durationSeconds`. `expiresAt` is the single source of truth.
 * @returns ISO 8601 `grantedAt` (window start) and `expiresAt`.
 */
export function grantWindow(request: AccessRequest, nowMs: number): { grantedAt: string; expiresAt: string } {
  const startsAtMs = request.startsAt === undefined ? Number.NaN : Date.parse(request.startsAt);
  const startMs = Number.isFinite(startsAtMs) ? Math.max(nowMs, startsAtMs) : nowMs;
  return {
    grantedAt: new Date(startMs).toISOString(),
    expiresAt: new Date(startMs + request.durationSeconds * 1000).toISOString(),
  };
}

/**
 * @throws ExpiredError (410) when the PENDING request is past its approval deadline;
 *   ConflictError `invalid_state` (409) when it is not PENDING.
 */
function assertPending(request: AccessRequest, nowMs: number, action: string): void {
  if (request.status === "PENDING" && effectiveStatus(request, nowMs) === "EXPIRED") {
    throw new ExpiredError(
      `Request ${request.requestId} expired at ${request.approvalDeadline} before it was approved; ` +
        "create a new request.",
    );
  }
  if (request.status !== "PENDING") {
    throw new ConflictError(
      `Request ${request.requestId} is ${effectiveStatus(request, nowMs)}; only PENDING requests can be ${action}.`,
      "invalid_state",
    );
  }
}

/**
 * Builds one transition of `before` at `nowMs`: `changes` applied, version + 1, `updatedAt`, and its one
 * audit event `action` by `actor`. Fields set to `undefined` in `changes` are removed.
 */
export function transition(
  before: AccessRequest,
  nowMs: number,
  changes: Partial<AccessRequest>,
  deadlineField: RequestTransition["deadlineField"],
  action: AuditAction,
  actor: string,
  details?: AuditEvent["details"],
): RequestTransition {
  const now = new Date(nowMs).toISOString();
  const version = before.version + 1;
  const after: AccessRequest = { ...before, ...changes, version, updatedAt: now };
  for (const [k, v] of Object.entries(after))
    if (v === undefined) delete (after as unknown as Record<string, unknown>)[k];
  const event: AuditEvent = {
    requestId: before.requestId,
    eventId: auditEventId(now, versionSuffix(version, action)),
    action,
    actor,
    at: now,
    version,
    ...(details && Object.keys(details).length > 0 ? { details } : {}),
  };
  return { before, after, deadlineField, now, event };
}

/**
 * Records `actor`'s approval, with the approver groups they hold now. Once the recorded approvers meet
 * the entitlement's rule ({@link approvalProgress}: every step its `min`, one step per person, the
 * requester never counting) the request becomes APPROVED with its grant window (event APPROVED); before that it stays PENDING (event
 * APPROVAL_RECORDED).
 * @param entitlement the request's entitlement in the current policy (`undefined` if it was removed).
 * @throws ForbiddenError `self_approval` (403) when the actor may be the requester, whatever their groups
 *   (admins included); `forbidden` (403) when the actor is not in an approver group now;
 *   ExpiredError (410); ConflictError `invalid_state` / `already_approved` (409).
 */
export function approveRequest(args: {
  request: AccessRequest;
  entitlement: Entitlement | undefined;
  actor: Actor;
  nowMs: number;
  comment?: string;
}): RequestTransition {
  const { request, entitlement, actor, nowMs } = args;
  if (maybeSameIdentity(request.requester, actor.sub)) {
    throw new ForbiddenError("You cannot approve your own request.", "self_approval");
  }
  if (entitlement === undefined || !isApproverOf(entitlement, actor)) {
    throw new ForbiddenError(
      `You are not an approver of "${request.entitlementId}"` +
        (entitlement === undefined
          ? " (it is no longer in the policy)."
          : `: approvers are members of ${entitlement.approverGroups.map((g) => `"${g}"`).join(", ")}.`),
    );
  }
  if (request.status === "APPROVED") {
    // A late approver (H29): the request reached its approvals without them; not a state error of theirs.
    throw new ConflictError(
      `Request ${request.requestId} is already ${effectiveStatus(request, nowMs)}; ` +
        "it had all the approvals it needs before yours.",
      "already_approved",
    );
  }
  assertPending(request, nowMs, "approved");
  if (request.approvals.some((a) => maybeSameIdentity(a.approver, actor.sub))) {
    throw new ConflictError(
      `You have already approved request ${request.requestId}; it needs another approver.`,
      "already_approved",
    );
  }
  const at = new Date(nowMs).toISOString();
  const approval: Approval = {
    approver: actor.sub,
    at,
    groups: approverGroupsHeld(entitlement, actor.groups),
    ...(args.comment ? { comment: args.comment } : {}),
  };
  const approvals = [...request.approvals, approval];
  const progress = approvalProgress(entitlement, approvals, request.requester);
  const counted = progress.steps.reduce((n, s) => n + s.approvers.length, 0);
  const details = {
    approvals: counted,
    minApprovals: entitlement.minApprovals,
    ...(args.comment ? { comment: args.comment } : {}),
  };
  if (!progress.met) {
    // Recorded even when it fills no step yet (its steps are covered): the matching may use it later.
    return transition(
      request,
      nowMs,
      { approvals },
      "approvalDeadline",
      "APPROVAL_RECORDED",
      actor.sub,
      details,
    );
  }
  if (isExtension(request)) {
    // An extension opens no window of its own: its approval moves its grant's `expiresAt`, in the same
    // transaction (grant-extension.ts).
    return transition(
      request,
      nowMs,
      { approvals, status: "APPROVED" },
      "approvalDeadline",
      "APPROVED",
      actor.sub,
      details,
    );
  }
  const window = grantWindow(request, nowMs);
  return transition(
    request,
    nowMs,
    { approvals, status: "APPROVED", ...window },
    "approvalDeadline",
    "APPROVED",
    actor.sub,
    { ...details, ...window },
  );
}

/**
 * Denies a PENDING request (terminal).
 * @throws ForbiddenError (403) for the requester (who cancels instead) and for non-approvers;
 *   ExpiredError (410); ConflictError `invalid_state` (409).
 */
export function denyRequest(args: {
  request: AccessRequest;
  entitlement: Entitlement | undefined;
  actor: Actor;
  nowMs: number;
  reason: string;
}): RequestTransition {
  const { request, entitlement, actor, nowMs, reason } = args;
  if (maybeSameIdentity(request.requester, actor.sub)) {
    throw new ForbiddenError("You cannot deny your own request; cancel it instead.");
  }
  if (!isApproverOf(entitlement, actor)) {
    throw new ForbiddenError(`You are not an approver of "${request.entitlementId}".`);
  }
  assertPending(request, nowMs, "denied");
  return transition(
    request,
    nowMs,
    { status: "DENIED", deniedBy: actor.sub, denyReason: reason },
    "approvalDeadline",
    "DENIED",
    actor.sub,
    { reason },
  );
}

/**
 * Cancels the caller's own PENDING request (terminal).
 * @throws ForbiddenError (403) for anyone but the requester; ExpiredError (410); ConflictError (409).
 */
export function cancelRequest(args: {
  request: AccessRequest;
  actor: Actor;
  nowMs: number;
}): RequestTransition {
  const { request, actor, nowMs } = args;
  if (!isRequester(request, actor)) {
    throw new ForbiddenError(`Only the requester may cancel request ${request.requestId}.`);
  }
  assertPending(request, nowMs, "cancelled");
  return transition(
    request,
    nowMs,
    { status: "CANCELLED", cancelledAt: new Date(nowMs).toISOString() },
    "approvalDeadline",
    "CANCELLED",
    actor.sub,
  );
}

/**
 * Revokes an APPROVED grant (active, or scheduled to start later). Allowed to the requester, approvers of
 * the entitlement (current groups) and admins.
 * @returns the transition, or `undefined` when the grant is already REVOKED (idempotent: nothing to do).
 * @throws ForbiddenError (403) for anyone else (checked before anything about the state is revealed);
 *   ExpiredError (410) for a grant past `expiresAt` or a PENDING request past its deadline;
 *   ConflictError `invalid_state` (409) for PENDING, DENIED and CANCELLED requests.
 */
export function revokeRequest(args: {
  request: AccessRequest;
  entitlement: Entitlement | undefined;
  policy: Policy;
  actor: Actor;
  nowMs: number;
  reason?: string;
}): RequestTransition | undefined {
  const { request, entitlement, policy, actor, nowMs, reason } = args;
  assertMayOversee(policy, entitlement, request, actor, "revoke");
  if (isExtension(request)) {
    throw new ConflictError(
      `Request ${request.requestId} extends grant ${request.extends}; revoke that grant ` +
        "(or cancel or deny a pending extension).",
      "invalid_state",
    );
  }
  if (request.status === "REVOKED") return undefined;
  const status = effectiveStatus(request, nowMs);
  if (status === "EXPIRED") {
    throw new ExpiredError(
      request.status === "APPROVED"
        ? `The grant of request ${request.requestId} expired at ${request.expiresAt}; there is nothing to revoke.`
        : `Request ${request.requestId} expired at ${request.approvalDeadline} before it was approved.`,
    );
  }
  if (request.status !== "APPROVED") {
    throw new ConflictError(
      `Request ${request.requestId} is ${status}; only APPROVED grants can be revoked` +
        (status === "PENDING" ? " (cancel or deny a pending request)." : "."),
      "invalid_state",
    );
  }
  return transition(
    request,
    nowMs,
    {
      status: "REVOKED",
      revokedAt: new Date(nowMs).toISOString(),
      revokedBy: actor.sub,
      ...(reason ? { revokeReason: reason } : {}),
    },
    "expiresAt",
    "REVOKED",
    actor.sub,
    reason ? { reason } : undefined,
  );
}

/**
 * Records an admin's review of a break-glass grant (event REVIEWED), once, whatever state the grant is in
 * now: a break-glass use is reviewed also after it was revoked or expired. The grant's window and status
 * do not change.
 * @throws ForbiddenError `forbidden` (403) for callers outside `policy.adminGroups` and for the grant's own
 *   requester (nobody reviews their own emergency access); ConflictError `invalid_state` (409) for a
 *   request that is not a break-glass grant; `already_reviewed` (409) when it was reviewed before.
 */
export function reviewRequest(args: {
  request: AccessRequest;
  policy: Policy;
  actor: Actor;
  nowMs: number;
  note: string;
}): RequestTransition {
  const { request, policy, actor, nowMs, note } = args;
  if (!isAdmin(policy, actor)) {
    throw new ForbiddenError(
      `Only admins (members of ${policy.adminGroups.map((g) => `"${g}"`).join(", ") || "no group"}) may review ` +
        "break-glass grants.",
    );
  }
  if (maybeSameIdentity(request.requester, actor.sub)) {
    throw new ForbiddenError("You cannot review your own break-glass grant; another admin must.");
  }
  if (!request.breakGlass || request.status === "PENDING") {
    throw new ConflictError(
      `Request ${request.requestId} is not a break-glass grant; only break-glass grants are reviewed.`,
      "invalid_state",
    );
  }
  if (request.reviewedAt !== undefined) {
    throw new ConflictError(
      `Break-glass grant ${request.requestId} was already reviewed by ${request.reviewedBy} at ${request.reviewedAt}.`,
      "already_reviewed",
    );
  }
  const at = new Date(nowMs).toISOString();
  return transition(
    request,
    nowMs,
    { reviewedAt: at, reviewedBy: actor.sub, reviewNote: note },
    null,
    "REVIEWED",
    actor.sub,
    { note },
  );
}
