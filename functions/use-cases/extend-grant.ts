import type { AccessRequest } from "../domain/access-request.js";
import { type ExtensionInput, newExtensionRequest } from "../domain/grant-extension.js";
import type { Actor, ResolvedDuration } from "../domain/policy-evaluation.js";
import { isLostRace, jitterDelay, MAX_LOST_RACE_ATTEMPTS } from "./lost-race-retry.js";
import { entitlementOf, loadRequest, type WorkflowDeps } from "./workflow-deps.js";

/** The stored extension request, how its duration was resolved, and the grant after it (when moved). */
export interface ExtendGrantResult {
  extension: AccessRequest;
  duration: ResolvedDuration;
  /** The grant with its later `expiresAt`, when the extension was approved at once. */
  grant: AccessRequest | undefined;
}

/**
 * `POST /requests/{id}/extend`: the requester of an active grant asks for more time. Creates the extension
 * request (PENDING for the entitlement's approvers), or, when extensions are self-served, stores it
 * APPROVED together with the grant's later `expiresAt` in one transaction (retried on a lost race, e.g. a
 * token issued at the same moment, bounded and with jitter).
 * @throws NotFoundError (404); ForbiddenError (403); ValidationError (400); ExpiredError (410);
 *   ConflictError `invalid_state` / `extension_limit` / `conflict` (409).
 */
export async function extendGrant(
  deps: WorkflowDeps,
  actor: Actor,
  grantId: string,
  input: ExtensionInput,
): Promise<ExtendGrantResult> {
  for (let attempt = 1; ; attempt++) {
    const grant = await loadRequest(deps, grantId);
    const built = newExtensionRequest({
      grant,
      entitlement: entitlementOf(deps, grant),
      actor,
      input,
      nowMs: deps.clock.nowMs(),
      requestId: deps.ids.requestId(),
    });
    if (built.grantChange === undefined) {
      await deps.requests.create(built.extension, built.events);
      return { extension: built.extension, duration: built.duration, grant: undefined };
    }
    try {
      await deps.requests.extend({
        extension: { create: built.extension, events: built.events },
        grant: built.grantChange,
      });
      return { extension: built.extension, duration: built.duration, grant: built.grantChange.after };
    } catch (err) {
      if (!isLostRace(err) || attempt >= MAX_LOST_RACE_ATTEMPTS) throw err;
    }
    await jitterDelay(attempt);
  }
}
