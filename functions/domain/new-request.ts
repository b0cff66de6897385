/**
 * Creating a request (docs/configuration.md; README.md, How it works): policy checks, then a PENDING request, or an APPROVED grant at
 * once for auto-approve and break-glass entitlements, with the audit events of that creation.
 */

import type { AccessRequest } from "./access-request.js";
import { type AuditEvent, auditEventId } from "./audit-event.js";
import { ForbiddenError, ValidationError } from "./errors.js";
import type { Entitlement } from "./policy.js";
import {
  type Actor,
  assertApprovalPossible,
  checkJustificationAndTicket,
  type DurationInput,
  isEligible,
  MAX_START_AHEAD_SECONDS,
  type ResolvedDuration,
  resolveDuration,
} from "./policy-evaluation.js";
import { grantWindow, versionSuffix } from "./request-transitions.js";

/** What the requester asks for (already shape-checked at the edge). */
export interface NewRequestInput extends DurationInput {
  justification?: string;
  ticket?: string;
  /** Earliest start of the grant window, ISO 8601 with zone. */
  startsAt?: string;
}

/** A new request and the audit events to store with it in one transaction. */
export interface NewRequest {
  request: AccessRequest;
  events: AuditEvent[];
  duration: ResolvedDuration;
}

/**
 * Builds a new request for `entitlement` by `actor` at `nowMs` (epoch ms).
 *
 * - PENDING with `approvalDeadline = now + approvalTimeout`, audited REQUESTED; or
 * - auto-approve: APPROVED now, audited REQUESTED + AUTO_APPROVED; or
 * - break-glass: APPROVED now, `breakGlass: true`, audited REQUESTED + BREAK_GLASS_GRANTED.
 *
 * A request for an entitlement the caller already holds is simply another request: each grant has its own
 * window and lifecycle (grant extension).
 * @throws ForbiddenError `not_eligible` (403) when the actor's groups are not eligible;
 *   ValidationError (400) for duration, justification, ticket or startsAt problems, naming the field.
 */
export function newAccessRequest(args: {
  entitlement: Entitlement;
  actor: Actor;
  input: NewRequestInput;
  nowMs: number;
  requestId: string;
}): NewRequest {
  const { entitlement, actor, input, nowMs, requestId } = args;
  if (!isEligible(entitlement, actor)) {
    throw new ForbiddenError(
      `You are not eligible for "${entitlement.id}": it may be requested by members of ` +
        `${entitlement.eligibleGroups.map((g) => `"${g}"`).join(", ")}.`,
      "not_eligible",
    );
  }
  assertApprovalPossible(entitlement);
  const duration = resolveDuration(entitlement, input);
  checkJustificationAndTicket(entitlement, input);
  const startsAt = input.startsAt === undefined ? undefined : checkStartsAt(input.startsAt, nowMs);

  const now = new Date(nowMs).toISOString();
  const selfServed = entitlement.autoApprove || entitlement.breakGlass;
  const pending: AccessRequest = {
    requestId,
    requester: actor.sub,
    entitlementId: entitlement.id,
    audience: entitlement.audience,
    durationSeconds: duration.durationSeconds,
    justification: input.justification,
    ticket: input.ticket,
    startsAt,
    status: "PENDING",
    version: 1,
    createdAt: now,
    approvalDeadline: selfServed
      ? now
      : new Date(nowMs + entitlement.approvalTimeoutSeconds * 1000).toISOString(),
    approvals: [],
    breakGlass: entitlement.breakGlass,
    autoApproved: entitlement.autoApprove,
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
      durationSeconds: duration.durationSeconds,
      ...(duration.clamped
        ? { clamped: true, requestedDurationSeconds: duration.requestedDurationSeconds }
        : {}),
    },
  };
  if (!selfServed) return { request: pending, events: [requested], duration };

  const window = grantWindow(pending, nowMs);
  // Creation and grant are two steps of the state machine: version 1 (PENDING), then 2 (APPROVED), so
  // their audit events sort in that order.
  const request: AccessRequest = { ...pending, status: "APPROVED", version: 2, ...window };
  const action = entitlement.breakGlass ? "BREAK_GLASS_GRANTED" : "AUTO_APPROVED";
  const granted: AuditEvent = {
    requestId,
    eventId: auditEventId(now, versionSuffix(2, action)),
    action,
    actor: actor.sub,
    at: now,
    version: 2,
    details: { grantedAt: window.grantedAt, expiresAt: window.expiresAt },
  };
  return { request, events: [requested, granted], duration };
}

function checkStartsAt(text: string, nowMs: number): string {
  // Require a zone so "10:00" cannot silently mean the server's local time.
  const ms = /(Z|[+-]\d{2}:\d{2})$/.test(text) ? Date.parse(text) : Number.NaN;
  if (!Number.isFinite(ms)) {
    throw new ValidationError(
      `startsAt: "${text}" is not an ISO 8601 date-time with a zone (e.g. 2026-01-31T09:00:00Z).`,
      { field: "startsAt" },
    );
  }
  if (ms > nowMs + MAX_START_AHEAD_SECONDS * 1000) {
    throw new ValidationError(`startsAt: must be at most ${MAX_START_AHEAD_SECONDS / 86_400} days ahead.`, {
      field: "startsAt",
    });
  }
  // A past startsAt is harmless: the window starts at approval (the later of the two).
  return new Date(ms).toISOString();
}
