import type { AccessRequest } from "../domain/access-request.js";
import { isJitError } from "../domain/errors.js";
import type { Actor } from "../domain/policy-evaluation.js";
import { revokeRequest as revokeTransition } from "../domain/request-transitions.js";
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
 * (a strongly consistent read confirms it when the write lost a race).
 * @throws NotFoundError (404); ForbiddenError (403, nothing changes); ExpiredError (410) for a grant past
 *   `expiresAt`; ConflictError `invalid_state` (409) for requests that were never granted.
 */
export async function revokeRequest(
  deps: WorkflowDeps,
  actor: Actor,
  requestId: string,
  input: { reason?: string },
): Promise<RevokeResult> {
  const request = await loadRequest(deps, requestId);
  const t = revokeTransition({
    request,
    entitlement: entitlementOf(deps, request),
    policy: deps.policy,
    actor,
    nowMs: deps.clock.nowMs(),
    reason: input.reason,
  });
  if (!t) return { request, changed: false };
  try {
    await deps.requests.transition(t);
  } catch (err) {
    if (!isJitError(err) || err.code !== "conflict") throw err;
    const latest = await loadRequest(deps, requestId);
    if (latest.status === "REVOKED") return { request: latest, changed: false };
    throw err;
  }
  return { request: t.after, changed: true };
}
