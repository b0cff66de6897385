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
import { type Page, type PageRequest, readPage } from "./paged-list.js";
import type { WorkflowDeps } from "./workflow-deps.js";

/** Most requests one page returns (`limit` at most). */
export const LIST_LIMIT = 100;
/** Requests one page returns when the caller gives no `limit`. */
export const DEFAULT_LIST_LIMIT = 50;

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
  page: PageRequest,
): Promise<Page> {
  const nowMs = deps.clock.nowMs();
  if (options.all) {
    return readPage(
      deps.requests,
      { partitions: [{ kind: "requester", requester: actor.sub }], order: "desc", keep: () => true },
      page,
    );
  }
  // A live request was created no earlier than the longest approval wait (or schedule-ahead) plus the
  // longest grant before now; reading from there bounds the query without missing any.
  const horizonSeconds = Math.max(0, ...deps.policy.entitlements.map(liveHorizonSeconds));
  const createdAfter = new Date(nowMs - horizonSeconds * 1000).toISOString();
  return readPage(
    deps.requests,
    {
      partitions: [{ kind: "requester", requester: actor.sub, createdAfter }],
      order: "desc",
      keep: (r) => isLive(r, nowMs),
    },
    page,
  );
}

/**
 * `GET /requests?pending`: requests the caller can approve now, oldest first: PENDING and before their
 * deadline, for entitlements whose approver groups the caller holds now, never the caller's own, and not
 * those the caller has already approved (they wait for someone else).
 */
export async function listPendingForApprover(
  deps: WorkflowDeps,
  actor: Actor,
  page: PageRequest,
): Promise<Page> {
  const nowMs = deps.clock.nowMs();
  // Nothing older than the approval timeout can still be pending.
  const partitions = deps.policy.entitlements
    .filter((entitlement) => isApproverOf(entitlement, actor))
    .map((entitlement) => ({
      kind: "status" as const,
      status: "PENDING" as const,
      entitlementId: entitlement.id,
      createdAfter: new Date(nowMs - entitlement.approvalTimeoutSeconds * 1000).toISOString(),
    }));
  return readPage(
    deps.requests,
    {
      partitions,
      order: "asc",
      keep: (r) =>
        effectiveStatus(r, nowMs) === "PENDING" &&
        !maybeSameIdentity(r.requester, actor.sub) &&
        !r.approvals.some((a) => maybeSameIdentity(a.approver, actor.sub)),
    },
    page,
  );
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
 * entitlements they approve, by their current groups), oldest first (paged in creation order). Live means APPROVED and
 * before `expiresAt` (H15: a grant past it is left out before TTL deletes it), grants scheduled to start
 * later included; extension requests are never grants. Anyone else gets an empty list.
 */
export async function listActiveGrants(deps: WorkflowDeps, actor: Actor, page: PageRequest): Promise<Page> {
  const nowMs = deps.clock.nowMs();
  const partitions = overseenEntitlements(deps, actor).map((entitlement) => ({
    kind: "status" as const,
    status: "APPROVED" as const,
    entitlementId: entitlement.id,
    createdAfter: new Date(nowMs - liveHorizonSeconds(entitlement) * 1000).toISOString(),
  }));
  return readPage(
    deps.requests,
    { partitions, order: "asc", keep: (r) => !isExtension(r) && effectiveStatus(r, nowMs) === "APPROVED" },
    page,
  );
}

/**
 * `GET /requests?breakGlass&unreviewed`: break-glass grants no admin has reviewed yet, live, revoked or
 * expired (until DynamoDB TTL removes the item; the audit trail stays), of the entitlements the caller
 * oversees, oldest first. Break-glass entitlements are those the current policy marks `breakGlass`.
 */
export async function listUnreviewedBreakGlass(
  deps: WorkflowDeps,
  actor: Actor,
  page: PageRequest,
): Promise<Page> {
  const partitions = overseenEntitlements(deps, actor)
    .filter((entitlement) => entitlement.breakGlass)
    .flatMap((entitlement) =>
      (["APPROVED", "REVOKED"] as const).map((status) => ({
        kind: "status" as const,
        status,
        entitlementId: entitlement.id,
      })),
    );
  return readPage(
    deps.requests,
    { partitions, order: "asc", keep: (r) => r.breakGlass && r.reviewedAt === undefined },
    page,
  );
}
