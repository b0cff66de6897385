import type { AccessRequest } from "../domain/access-request.js";
import { NotFoundError } from "../domain/errors.js";
import { type NewRequestInput, newAccessRequest } from "../domain/new-request.js";
import { findEntitlement } from "../domain/policy.js";
import type { Actor, ResolvedDuration } from "../domain/policy-evaluation.js";
import type { WorkflowDeps } from "./workflow-deps.js";

/** `POST /requests` input. */
export interface CreateRequestInput extends NewRequestInput {
  /** Entitlement id. */
  entitlement: string;
}

/** The stored request and how its duration was resolved (`clamped` when shortened to `maxDuration`). */
export interface CreateRequestResult {
  request: AccessRequest;
  duration: ResolvedDuration;
}

/**
 * Creates a request (PENDING, or APPROVED at once for auto-approve and break-glass entitlements) and its
 * audit events in one transaction. Resolves only after both are stored.
 * @throws NotFoundError `unknown_entitlement` (404); ForbiddenError `not_eligible` (403);
 *   ValidationError (400) naming the field (duration, durationSeconds, justification, ticket, startsAt).
 */
export async function createRequest(
  deps: WorkflowDeps,
  actor: Actor,
  input: CreateRequestInput,
): Promise<CreateRequestResult> {
  const entitlement = findEntitlement(deps.policy, input.entitlement);
  if (!entitlement) {
    throw new NotFoundError(
      `Unknown entitlement "${input.entitlement}"; GET /entitlements lists the ones you may request.`,
      "unknown_entitlement",
    );
  }
  const { request, events, duration } = newAccessRequest({
    entitlement,
    actor,
    input,
    nowMs: deps.clock.nowMs(),
    requestId: deps.ids.requestId(),
  });
  await deps.requests.create(request, events);
  return { request, duration };
}
