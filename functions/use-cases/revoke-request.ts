import type { AccessRequest } from "../domain/access-request.js";
import type { Actor } from "../domain/policy-evaluation.js";
import { revokeRequest as revokeTransition } from "../domain/request-transitions.js";
import { isLostRace, jitterDelay, MAX_LOST_RACE_ATTEMPTS } from "./lost-race-retry.js";
import { entitlementOf, loadRequest, type WorkflowDeps } from "./workflow-deps.js";

/** The grant after the call; `changed` is false when it was already REVOKED (idempotent repeat). */
export interface RevokeResult {
  request: AccessRequest;
  changed: boolean;
}

/**
 * `POST /requests/{id}/revoke`: ends an APPROVED grant now. Allowed to the requester, approvers of the
 * entitlement and admins. Idempotent: revoking a REVOKED grant (also one revoked concurrently by someone
 * else) succeeds without a second change or audit event. Success is returned only after REVOKED is stored
 * (a strongly consistent read confirms it when the write lost a race). A lost race is decided again on
 * the latest state (bounded, with jitter).
 * @throws NotFoundError (404); ForbiddenError (403, nothing changes); ExpiredError (410) for a grant past
 *   `expiresAt`; ConflictError `invalid_state` (409) for requests that were never granted.
 */
export async function revokeRequest(
  deps: WorkflowDeps,
  actor: Actor,
  requestId: string,
  input: { reason?: string },
): Promise<RevokeResult> {
  for (let attempt = 1; ; attempt++) {
    const request = await loadRequest(deps, requestId);
    const t = revokeTransition({
      request,
      entitlement: entitlementOf(deps, request),
      policy: deps.policy,
      actor,
      nowMs: deps.clock.nowMs(),
      reason: input.reason,
    });
    // Already REVOKED, also by someone else concurrently: idempotent, nothing more to store.
    if (!t) return { request, changed: false };
    try {
      await deps.requests.transition(t);
      return { request: t.after, changed: true };
    } catch (err) {
      // Lost to another change, or to a token recorded with a later time than this revoke (H30): decide
      // again on the latest state with a fresh time.
      if (!isLostRace(err) || attempt >= MAX_LOST_RACE_ATTEMPTS) throw err;
    }
    await jitterDelay(attempt);
  }
}
