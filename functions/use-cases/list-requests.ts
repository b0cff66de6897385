import type { AccessRequest } from "../domain/access-request.js";
import { effectiveStatus, isExtension } from "../domain/access-request.js";
import type { Entitlement } from "../domain/policy.js";
import {
  type Actor,
  isAdmin,
  isApproverOf,
  MAX_START_AHEAD_SECONDS,
  maybeSameIdentity,
} from "../domain/policy-evaluation.js";
import type { WorkflowDeps } from "./workflow-deps.js";

/** Most requests one list returns. */
export const LIST_LIMIT = 100;

/**
 * `GET /requests?mine`: the caller's requests, newest first.
 *
 * By default only live ones: PENDING before their approval deadline and APPROVED grants before
 * `expiresAt` (including grants scheduled to start later). A grant past `expiresAt` is left out even while
 * DynamoDB TTL has not deleted it yet (H15). With `all`, finished ones too (DENIED, CANCELLED, REVOKED,
 * EXPIRED), each shown with its effective status.
 */
export async function listMyRequests(
  deps: WorkflowDeps,
  actor: Actor,
  options: { all: boolean },
): Promise<AccessRequest[]> {
  const nowMs = deps.clock.nowMs();
  if (options.all) return deps.requests.listByRequester(actor.sub, { limit: LIST_LIMIT });
  // A live request was created no earlier than the longest approval wait (or schedule-ahead) plus the
  // longest grant before now; reading from there bounds the query without missing any.
  const horizonSeconds = Math.max(0, ...deps.policy.entitlements.map(liveHorizonSeconds));
  const createdAfter = new Date(nowMs - horizonSeconds * 1000).toISOString();
  const requests = await deps.requests.listByRequester(actor.sub, { limit: LIST_LIMIT * 10, createdAfter });
  return requests.filter((r) => isLive(r, nowMs)).slice(0, LIST_LIMIT);
}

/**
 * `GET /requests?pending`: requests the caller can approve now, oldest first: PENDING and before their
 * deadline, for entitlements whose approver groups the caller holds now, never the caller's own, and not
 * those the caller has already approved (they wait for someone else).
 */
export async function listPendingForApprover(deps: WorkflowDeps, actor: Actor): Promise<AccessRequest[]> {
  const nowMs = deps.clock.nowMs();
  const out: AccessRequest[] = [];
  for (const entitlement of deps.policy.entitlements) {
    if (!isApproverOf(entitlement, actor)) continue;
    // Nothing older than the approval timeout can still be pending.
    const createdAfter = new Date(nowMs - entitlement.approvalTimeoutSeconds * 1000).toISOString();
    const pending = await deps.requests.listPending(entitlement.id, { limit: LIST_LIMIT, createdAfter });
    for (const r of pending) {
      if (effectiveStatus(r, nowMs) !== "PENDING") continue;
      if (maybeSameIdentity(r.requester, actor.sub)) continue;
      if (r.approvals.some((a) => maybeSameIdentity(a.approver, actor.sub))) continue;
      out.push(r);
    }
  }
  out.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  return out.slice(0, LIST_LIMIT);
}

function isLive(request: AccessRequest, nowMs: number): boolean {
  const status = effectiveStatus(request, nowMs);
  return status === "PENDING" || status === "APPROVED";
}

/**
 * How long after its creation a request of `entitlement` can still be live, seconds: the longest approval
 * wait (or schedule-ahead) plus the longest grant, extensions included. Lists read from `now` minus this,
 * which bounds their queries without missing a live request.
 */
function liveHorizonSeconds(entitlement: Entitlement): number {
  const longestGrant = Math.max(
    entitlement.maxDurationSeconds,
    entitlement.extension?.maxTotalDurationSeconds ?? 0,
  );
  return Math.max(entitlement.approvalTimeoutSeconds, MAX_START_AHEAD_SECONDS) + longestGrant;
}

/** Entitlements whose grants the caller oversees: all for admins, their approver entitlements otherwise. */
function overseenEntitlements(deps: WorkflowDeps, actor: Actor): Entitlement[] {
  const admin = isAdmin(deps.policy, actor);
  return deps.policy.entitlements.filter((e) => admin || isApproverOf(e, actor));
}

/**
 * `GET /requests?active`: live grants the caller oversees (admins: every entitlement; approvers: the
 * entitlements they approve, by their current groups), the soonest to end first. Live means APPROVED and
 * before `expiresAt` (H15: a grant past it is left out before TTL deletes it), grants scheduled to start
 * later included; extension requests are never grants. Anyone else gets an empty list.
 */
export async function listActiveGrants(deps: WorkflowDeps, actor: Actor): Promise<AccessRequest[]> {
  const nowMs = deps.clock.nowMs();
  const out: AccessRequest[] = [];
  for (const entitlement of overseenEntitlements(deps, actor)) {
    const createdAfter = new Date(nowMs - liveHorizonSeconds(entitlement) * 1000).toISOString();
    const granted = await deps.requests.listByStatus("APPROVED", entitlement.id, {
      limit: LIST_LIMIT * 10,
      createdAfter,
    });
    for (const r of granted) {
      if (!isExtension(r) && effectiveStatus(r, nowMs) === "APPROVED") out.push(r);
    }
  }
  out.sort((a, b) => (a.expiresAt ?? "").localeCompare(b.expiresAt ?? ""));
  return out.slice(0, LIST_LIMIT);
}

/**
 * `GET /requests?breakGlass&unreviewed`: break-glass grants no admin has reviewed yet, live, revoked or
 * expired (until DynamoDB TTL removes the item; the audit trail stays), of the entitlements the caller
 * oversees, oldest first. Break-glass entitlements are those the current policy marks `breakGlass`.
 */
export async function listUnreviewedBreakGlass(deps: WorkflowDeps, actor: Actor): Promise<AccessRequest[]> {
  const out: AccessRequest[] = [];
  for (const entitlement of overseenEntitlements(deps, actor)) {
    if (!entitlement.breakGlass) continue;
    for (const status of ["APPROVED", "REVOKED"] as const) {
      const grants = await deps.requests.listByStatus(status, entitlement.id, { limit: LIST_LIMIT });
      for (const r of grants) if (r.breakGlass && r.reviewedAt === undefined) out.push(r);
    }
  }
  out.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  return out.slice(0, LIST_LIMIT);
}
