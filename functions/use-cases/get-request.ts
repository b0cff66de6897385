import type { AccessRequest } from "../domain/access-request.js";
import type { AuditEvent } from "../domain/audit-event.js";
import { type Actor, assertMayOversee } from "../domain/policy-evaluation.js";
import { entitlementOf, loadRequest, type WorkflowDeps } from "./workflow-deps.js";

/**
 * `GET /requests/{id}`: the request, for its requester, approvers of its entitlement and admins.
 * @throws NotFoundError (404) for an unknown id; ForbiddenError `forbidden` (403) for anyone else.
 */
export async function getRequest(
  deps: WorkflowDeps,
  actor: Actor,
  requestId: string,
): Promise<AccessRequest> {
  const request = await loadRequest(deps, requestId);
  assertMayOversee(deps.policy, entitlementOf(deps, request), request, actor, "read");
  return request;
}

/**
 * `GET /requests/{id}/audit`: the request's audit events, oldest first, for the same callers as
 * {@link getRequest}.
 * @throws NotFoundError (404); ForbiddenError (403).
 */
export async function getAuditTrail(
  deps: WorkflowDeps,
  actor: Actor,
  requestId: string,
): Promise<AuditEvent[]> {
  await getRequest(deps, actor, requestId);
  return deps.audit.list(requestId);
}
