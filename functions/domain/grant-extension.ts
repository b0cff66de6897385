/**
 * Extending an active grant (README.md, "Extending a grant"; docs/configuration.md, `extension`): an
 * extension is a request item of its own (`kind: "extension"`, `extends: <grant id>`) approved under the
 * entitlement's rule, or at once with `extension.autoApprove`. Its approval moves the same grant's
 * `expiresAt` later (grant audit EXTENDED) in the transaction that approves it, never beyond
 * `grantedAt + extension.maxTotalDuration`.
 */

import { type AccessRequest, effectiveStatus, isExtension, isoToMs } from "./access-request.js";
import { type AuditEvent, auditEventId } from "./audit-event.js";
import { ConflictError, ExpiredError, ForbiddenError, ValidationError } from "./errors.js";
import type { Entitlement } from "./policy.js";
import {
  type Actor,
  type DurationInput,
  isEligible,
  type ResolvedDuration,
  resolveDuration,
} from "./policy-evaluation.js";
import { type RequestTransition, transition, versionSuffix } from "./request-transitions.js";
import { hasVisibleText } from "./visible-text.js";

/** What the requester asks for: the added time and, when the entitlement requires one, why. */
export interface ExtensionInput extends DurationInput {
  justification?: string;
}

/** A new extension request, its creation events, and, when approved at once, the grant's move. */
export interface NewExtension {
  extension: AccessRequest;
  events: AuditEvent[];
  duration: ResolvedDuration;
  /** Set when the extension was approved at creation (auto-approve): the grant's EXTENDED transition. */
  grantChange: RequestTransition | undefined;
}

/** True when extensions of this entitlement need no approver (its own or the extension's auto-approve). */
function extensionSelfServed(entitlement: Entitlement): boolean {
  return entitlement.autoApprove || entitlement.extension?.autoApprove === true;
}

/** The latest `expiresAt` a grant may reach, epoch ms: `grantedAt + extension.maxTotalDuration`. */
export function extensionCapMs(grant: AccessRequest, entitlement: Entitlement): number {
  const total = entitlement.extension?.maxTotalDurationSeconds ?? 0;
  return isoToMs(grant.grantedAt) + total * 1000;
}

/**
 * Checks that `grant` may be extended now: a grant (not itself an extension), APPROVED and before
 * `expiresAt`, of an entitlement that allows extension, with time left under the cap.
 * @throws ForbiddenError `forbidden` (403) when the entitlement allows no extension (or left the policy);
 *   ExpiredError (410) past `expiresAt`; ConflictError `invalid_state` (409) when not an APPROVED grant,
 *   `extension_limit` (409) when `expiresAt` already reaches the cap.
 */
export function assertExtensible(
  grant: AccessRequest,
  entitlement: Entitlement | undefined,
  nowMs: number,
): asserts entitlement is Entitlement {
  if (isExtension(grant)) {
    throw new ConflictError(
      `Request ${grant.requestId} is an extension request; extend grant ${grant.extends} instead.`,
      "invalid_state",
    );
  }
  if (entitlement?.extension === undefined) {
    throw new ForbiddenError(
      `Grants of "${grant.entitlementId}" cannot be extended (its policy sets no extension); ` +
        "request access again instead.",
    );
  }
  const status = effectiveStatus(grant, nowMs);
  if (status === "EXPIRED" && grant.status === "APPROVED") {
    throw new ExpiredError(
      `Grant ${grant.requestId} expired at ${grant.expiresAt}; request access again instead.`,
    );
  }
  if (status !== "APPROVED") {
    throw new ConflictError(
      `Request ${grant.requestId} is ${status}; only APPROVED, unexpired grants can be extended.`,
      "invalid_state",
    );
  }
  const capMs = extensionCapMs(grant, entitlement);
  if (!(isoToMs(grant.expiresAt) < capMs)) {
    throw new ConflictError(
      `Grant ${grant.requestId} already lasts until ${grant.expiresAt}, the most "${entitlement.id}" allows ` +
        `(extension.maxTotalDuration from ${grant.grantedAt}); request access again instead.`,
      "extension_limit",
    );
  }
}

/**
 * The grant's EXTENDED transition for an approved `extension` at `nowMs`: `expiresAt` moves later by the
 * extension's `durationSeconds`, cut at {@link extensionCapMs}; the grant's TTL follows `expiresAt`.
 * @param extension the extension as approved (its `requestId` and `durationSeconds` are used).
 * @param actor who approved it (the requester for auto-approved extensions).
 * @throws as {@link assertExtensible}.
 */
export function extendGrant(args: {
  grant: AccessRequest;
  entitlement: Entitlement | undefined;
  extension: AccessRequest;
  actor: string;
  nowMs: number;
}): RequestTransition {
  const { grant, entitlement, extension, actor, nowMs } = args;
  assertExtensible(grant, entitlement, nowMs);
  const previousMs = isoToMs(grant.expiresAt);
  const expiresAt = new Date(
    Math.min(previousMs + extension.durationSeconds * 1000, extensionCapMs(grant, entitlement)),
  ).toISOString();
  return transition(grant, nowMs, { expiresAt }, "expiresAt", "EXTENDED", actor, {
    extension: extension.requestId,
    previousExpiresAt: grant.expiresAt as string,
    expiresAt,
  });
}

/**
 * Builds an extension request of `grant` by `actor` at `nowMs`: PENDING (audited REQUESTED) until the
 * entitlement's approvers decide, its approval deadline no later than the grant's `expiresAt` (an
 * extension of an ended grant means nothing); or, when extensions are self-served, APPROVED at once
 * (REQUESTED + AUTO_APPROVED) together with the grant's move.
 *
 * The added time is the requested duration, clamped to the entitlement's `maxDuration` and to the time
 * left under `extension.maxTotalDuration` (reported as `clamped`).
 * @throws ForbiddenError (403) for anyone but the grant's requester, a requester no longer eligible, or an
 *   entitlement without extension; ValidationError (400) naming `duration`/`durationSeconds` or
 *   `justification`; ExpiredError (410); ConflictError `invalid_state` / `extension_limit` (409).
 */
export function newExtensionRequest(args: {
  grant: AccessRequest;
  entitlement: Entitlement | undefined;
  actor: Actor;
  input: ExtensionInput;
  nowMs: number;
  requestId: string;
}): NewExtension {
  const { grant, entitlement, actor, input, nowMs, requestId } = args;
  if (grant.requester !== actor.sub) {
    throw new ForbiddenError(`Only the requester of grant ${grant.requestId} may extend it.`);
  }
  assertExtensible(grant, entitlement, nowMs);
  if (!isEligible(entitlement, actor)) {
    throw new ForbiddenError(
      `You are no longer eligible for "${entitlement.id}", so its grant cannot be extended.`,
      "not_eligible",
    );
  }
  if (input.duration === undefined && input.durationSeconds === undefined) {
    throw new ValidationError("duration: say how much longer the grant should last (e.g. PT30M).", {
      field: "duration",
    });
  }
  const resolved = resolveDuration(entitlement, input);
  const leftSeconds = Math.floor((extensionCapMs(grant, entitlement) - isoToMs(grant.expiresAt)) / 1000);
  const durationSeconds = Math.max(1, Math.min(resolved.durationSeconds, leftSeconds));
  const duration: ResolvedDuration = {
    durationSeconds,
    requestedDurationSeconds: resolved.requestedDurationSeconds,
    clamped: durationSeconds < resolved.requestedDurationSeconds,
  };
  if (entitlement.requireJustification && !hasVisibleText(input.justification ?? "")) {
    throw new ValidationError(
      `justification: "${entitlement.id}" requires a justification with visible text for an extension too ` +
        "(blank or invisible characters alone do not count).",
      { field: "justification" },
    );
  }

  const now = new Date(nowMs).toISOString();
  const selfServed = extensionSelfServed(entitlement);
  const deadlineMs = Math.min(nowMs + entitlement.approvalTimeoutSeconds * 1000, isoToMs(grant.expiresAt));
  const pending: AccessRequest = {
    requestId,
    kind: "extension",
    extends: grant.requestId,
    requester: actor.sub,
    entitlementId: entitlement.id,
    audience: entitlement.audience,
    durationSeconds,
    justification: input.justification,
    ticket: grant.ticket,
    status: "PENDING",
    version: 1,
    createdAt: now,
    approvalDeadline: selfServed ? now : new Date(deadlineMs).toISOString(),
    approvals: [],
    breakGlass: false,
    autoApproved: selfServed,
    updatedAt: now,
  };
  for (const [k, v] of Object.entries(pending))
    if (v === undefined) delete (pending as unknown as Record<string, unknown>)[k];
  const requested: AuditEvent = {
    requestId,
    eventId: auditEventId(now, versionSuffix(1, "REQUESTED")),
    action: "REQUESTED",
    actor: actor.sub,
    at: now,
    version: 1,
    details: {
      entitlement: entitlement.id,
      extends: grant.requestId,
      durationSeconds,
      ...(duration.clamped
        ? { clamped: true, requestedDurationSeconds: duration.requestedDurationSeconds }
        : {}),
    },
  };
  if (!selfServed) return { extension: pending, events: [requested], duration, grantChange: undefined };

  const grantChange = extendGrant({ grant, entitlement, extension: pending, actor: actor.sub, nowMs });
  const extendedTo = grantChange.after.expiresAt as string;
  // Creation and approval are two steps of the state machine (versions 1 and 2), as for auto-approved
  // requests (new-request.ts).
  const extension: AccessRequest = { ...pending, status: "APPROVED", version: 2, extendedTo };
  const approved: AuditEvent = {
    requestId,
    eventId: auditEventId(now, versionSuffix(2, "AUTO_APPROVED")),
    action: "AUTO_APPROVED",
    actor: actor.sub,
    at: now,
    version: 2,
    details: { extends: grant.requestId, extendedTo },
  };
  return { extension, events: [requested, approved], duration, grantChange };
}
