import type { AccessRequest } from "../domain/access-request.js";
import { ConflictError, isJitError } from "../domain/errors.js";
import type { Actor } from "../domain/policy-evaluation.js";
import { reviewRequest as reviewTransition } from "../domain/request-transitions.js";
import { isLostRace, jitterDelay, MAX_LOST_RACE_ATTEMPTS } from "./lost-race-retry.js";
import { toRequestView } from "./request-view.js";
import { loadRequest, type WorkflowDeps } from "./workflow-deps.js";

/**
 * `POST /requests/{id}/review`: an admin records the review of a break-glass grant (audit REVIEWED), once,
 * whether the grant is still live, revoked or expired. Resolves only after the review and its audit event
 * are stored. A lost race (a token issue or revoke moved the version) is decided again on the latest
 * state (bounded, with jitter), so a concurrent second review is a 409, never a second REVIEWED.
 * @throws NotFoundError (404); ForbiddenError (403) for non-admins and the grant's requester;
 *   ConflictError `invalid_state` (409) for a request that is not a break-glass grant, `already_reviewed`
 *   (409, with `request`: the grant as it stands) when reviewed before.
 */
export async function reviewRequest(
  deps: WorkflowDeps,
  actor: Actor,
  requestId: string,
  input: { note: string },
): Promise<AccessRequest> {
  for (let attempt = 1; ; attempt++) {
    const request = await loadRequest(deps, requestId);
    try {
      const t = reviewTransition({
        request,
        policy: deps.policy,
        actor,
        nowMs: deps.clock.nowMs(),
        note: input.note,
      });
      await deps.requests.transition(t);
      return t.after;
    } catch (err) {
      if (isJitError(err) && err.code === "already_reviewed") {
        throw new ConflictError(err.message, "already_reviewed", {
          cause: err,
          details: { request: toRequestView(request, deps.policy, deps.clock.nowMs()) },
        });
      }
      if (!isLostRace(err) || attempt >= MAX_LOST_RACE_ATTEMPTS) throw err;
    }
    await jitterDelay(attempt);
  }
}
