import type { AccessRequest } from "../domain/access-request.js";
import type { Actor } from "../domain/policy-evaluation.js";
import { denyRequest as denyTransition } from "../domain/request-transitions.js";
import { entitlementOf, loadRequest, type WorkflowDeps } from "./workflow-deps.js";

/**
 * `POST /requests/{id}/deny`: an approver denies a PENDING request (terminal). Resolves after it is stored.
 * @throws NotFoundError (404); ForbiddenError (403); ExpiredError (410); ConflictError (409).
 */
export async function denyRequest(
  deps: WorkflowDeps,
  actor: Actor,
  requestId: string,
  input: { reason: string },
): Promise<AccessRequest> {
  const request = await loadRequest(deps, requestId);
  const t = denyTransition({
    request,
    entitlement: entitlementOf(deps, request),
    actor,
    nowMs: deps.clock.nowMs(),
    reason: input.reason,
  });
  await deps.requests.transition(t);
  return t.after;
}
