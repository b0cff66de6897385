import type { AccessRequest } from "../domain/access-request.js";
import type { Clock } from "../domain/clock.js";
import { NotFoundError } from "../domain/errors.js";
import type { Entitlement, Policy } from "../domain/policy.js";
import { findEntitlement } from "../domain/policy.js";
import type { AuditLog } from "../ports/audit-log.js";
import type { RequestRepository } from "../ports/request-repository.js";

/** Source of new request ids (random UUIDs in production). */
export interface IdGenerator {
  requestId(): string;
}

/**
 * What every workflow use case needs, passed as a parameter so tests inject DynamoDB Local adapters and a
 * ManualClock without module mocking.
 */
export interface WorkflowDeps {
  requests: RequestRepository;
  audit: AuditLog;
  policy: Policy;
  clock: Clock;
  ids: IdGenerator;
}

/**
 * Reads a request for an action (strongly consistent, so the state checked is the latest one).
 * @throws NotFoundError `not_found` (404) naming the id.
 */
export async function loadRequest(deps: WorkflowDeps, requestId: string): Promise<AccessRequest> {
  const request = await deps.requests.get(requestId, { consistentRead: true });
  if (!request) throw new NotFoundError(`No request with id ${requestId}.`);
  return request;
}

/** The request's entitlement in the current policy, or `undefined` if it was removed since. */
export function entitlementOf(deps: WorkflowDeps, request: AccessRequest): Entitlement | undefined {
  return findEntitlement(deps.policy, request.entitlementId);
}
