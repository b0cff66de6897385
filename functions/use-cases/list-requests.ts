import type { AccessRequest } from "../domain/access-request.js";
import { effectiveStatus } from "../domain/access-request.js";
import {
  type Actor,
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
  const horizonSeconds = Math.max(
    0,
    ...deps.policy.entitlements.map(
      (e) => Math.max(e.approvalTimeoutSeconds, MAX_START_AHEAD_SECONDS) + e.maxDurationSeconds,
    ),
  );
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
