import type { AccessRequest } from "../domain/access-request.js";
import type { Actor } from "../domain/policy-evaluation.js";
import { approveRequest as approveTransition } from "../domain/request-transitions.js";
import { entitlementOf, loadRequest, type WorkflowDeps } from "./workflow-deps.js";

/** The request after the action, and whether it became APPROVED with this approval. */
export interface ApproveResult {
  request: AccessRequest;
  approved: boolean;
}

/**
 * `POST /requests/{id}/approve`: records the caller's approval; APPROVED once `minApprovals` distinct
 * approvers (never the requester) agree. Resolves only after the change and its audit event are stored.
 * @throws NotFoundError (404); ForbiddenError `self_approval` / `forbidden` (403); ExpiredError (410);
 *   ConflictError `invalid_state` / `already_approved` / `conflict` (409, also for a lost race).
 */
export async function approveRequest(
  deps: WorkflowDeps,
  actor: Actor,
  requestId: string,
  input: { comment?: string },
): Promise<ApproveResult> {
  const request = await loadRequest(deps, requestId);
  const t = approveTransition({
    request,
    entitlement: entitlementOf(deps, request),
    actor,
    nowMs: deps.clock.nowMs(),
    comment: input.comment,
  });
  await deps.requests.transition(t);
  return { request: t.after, approved: t.after.status === "APPROVED" };
}
