import { type AccessRequest, isExtension } from "../domain/access-request.js";
import { ConflictError, isJitError } from "../domain/errors.js";
import { extendGrant } from "../domain/grant-extension.js";
import type { Actor } from "../domain/policy-evaluation.js";
import {
  approveRequest as approveTransition,
  type RequestTransition,
} from "../domain/request-transitions.js";
import { isLostRace, jitterDelay, MAX_LOST_RACE_ATTEMPTS } from "./lost-race-retry.js";
import { toRequestView } from "./request-view.js";
import { entitlementOf, loadRequest, type WorkflowDeps } from "./workflow-deps.js";

/** The request after the action, and whether it became APPROVED with this approval. */
export interface ApproveResult {
  request: AccessRequest;
  approved: boolean;
}

/**
 * `POST /requests/{id}/approve`: records the caller's approval; APPROVED once the entitlement's rule is
 * met by distinct approvers (never the requester). Resolves only after the change and its audit event are
 * stored.
 *
 * Approvals by distinct approvers commute (H29): when another transition wins the optimistic-lock race,
 * the request is read again and, while it is still PENDING and the caller still a valid approver who has
 * not approved yet, the approval is retried (bounded by {@link MAX_LOST_RACE_ATTEMPTS}, with jitter). Every
 * check runs again on each attempt, so approve against deny, cancel or revoke keeps one winner.
 *
 * The approval that completes an extension request also moves its grant's `expiresAt` later, in the same
 * transaction, conditioned on the grant still live at the version read ({@link approveExtension}).
 * @throws NotFoundError (404); ForbiddenError `self_approval` / `forbidden` (403); ExpiredError (410);
 *   ConflictError `already_approved` (409, with `request`: the request as it now stands) when the request
 *   was APPROVED before this approval or already holds it; `invalid_state` (409) when it was denied,
 *   cancelled or revoked; `conflict` (409) when the retries ran out.
 */
export async function approveRequest(
  deps: WorkflowDeps,
  actor: Actor,
  requestId: string,
  input: { comment?: string },
): Promise<ApproveResult> {
  for (let attempt = 1; ; attempt++) {
    const request = await loadRequest(deps, requestId);
    try {
      const t = approveTransition({
        request,
        entitlement: entitlementOf(deps, request),
        actor,
        nowMs: deps.clock.nowMs(),
        comment: input.comment,
      });
      if (isExtension(request) && t.after.status === "APPROVED") {
        await approveExtension(deps, t);
      } else {
        await deps.requests.transition(t);
      }
      return { request: t.after, approved: t.after.status === "APPROVED" };
    } catch (err) {
      if (isJitError(err) && err.code === "already_approved") {
        throw new ConflictError(err.message, "already_approved", {
          cause: err,
          details: { request: toRequestView(request, deps.policy, deps.clock.nowMs()) },
        });
      }
      if (!isLostRace(err) || attempt >= MAX_LOST_RACE_ATTEMPTS) throw err;
    }
    await jitterDelay(attempt);
  }
}

/**
 * Stores the approval `t` of an extension request together with its grant's EXTENDED transition; the
 * extension records the grant's new `expiresAt` as `extendedTo`.
 * @throws ExpiredError (410) / ConflictError `invalid_state` / `extension_limit` (409) when the grant is no
 *   longer extensible (revoked, expired, at its cap); `conflict` (409) on a lost race.
 */
async function approveExtension(deps: WorkflowDeps, t: RequestTransition): Promise<void> {
  const grant = await loadRequest(deps, t.after.extends as string);
  const grantChange = extendGrant({
    grant,
    entitlement: entitlementOf(deps, grant),
    extension: t.after,
    actor: t.event.actor,
    nowMs: Date.parse(t.now),
  });
  const extendedTo = grantChange.after.expiresAt as string;
  t.after.extendedTo = extendedTo;
  t.event.details = { ...t.event.details, extends: grant.requestId, extendedTo };
  await deps.requests.extend({ extension: { transition: t }, grant: grantChange });
}
