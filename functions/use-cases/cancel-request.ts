import type { AccessRequest } from "../domain/access-request.js";
import type { Actor } from "../domain/policy-evaluation.js";
import { cancelRequest as cancelTransition } from "../domain/request-transitions.js";
import { loadRequest, type WorkflowDeps } from "./workflow-deps.js";

/**
 * `POST /requests/{id}/cancel`: the requester withdraws a PENDING request (terminal).
 * @throws NotFoundError (404); ForbiddenError (403); ExpiredError (410); ConflictError (409).
 */
export async function cancelRequest(
  deps: WorkflowDeps,
  actor: Actor,
  requestId: string,
): Promise<AccessRequest> {
  const request = await loadRequest(deps, requestId);
  const t = cancelTransition({ request, actor, nowMs: deps.clock.nowMs() });
  await deps.requests.transition(t);
  return t.after;
}
