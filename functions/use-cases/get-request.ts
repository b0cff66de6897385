import type { AccessRequest } from "../domain/access-request.js";
import type { AuditEvent } from "../domain/audit-event.js";
import { NotFoundError } from "../domain/errors.js";
import { findEntitlement } from "../domain/policy.js";
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
 * {@link getRequest}. After DynamoDB TTL has deleted the request item, the audit trail (which has no TTL)
 * is still served: the requester and entitlement are then read from its REQUESTED event, written in the
 * same transaction that created the request.
 * @throws NotFoundError (404) when neither the request nor its audit trail exists; ForbiddenError (403).
 */
export async function getAuditTrail(
  deps: WorkflowDeps,
  actor: Actor,
  requestId: string,
): Promise<AuditEvent[]> {
  const request = await deps.requests.get(requestId, { consistentRead: true });
  if (request) {
    assertMayOversee(deps.policy, entitlementOf(deps, request), request, actor, "read");
    return deps.audit.list(requestId);
  }
  const events = await deps.audit.list(requestId);
  const requested = events.find((e) => e.action === "REQUESTED");
  const entitlementId = requested?.details?.entitlement;
  if (requested === undefined || typeof entitlementId !== "string") {
    throw new NotFoundError(`No request with id ${requestId}.`);
  }
  const entitlement = findEntitlement(deps.policy, entitlementId);
  const parties = { requestId, requester: requested.actor, entitlementId };
  assertMayOversee(deps.policy, entitlement, parties, actor, "read");
  return events;
}
