/**
 * Policy evaluation (docs/configuration.md): who may request, approve, read and revoke, and how a requested
 * duration becomes a grant length. Pure functions over the validated policy and the caller's current
 * token (`sub` and groups), evaluated at the moment of each action, never remembered from creation.
 */

import type { AccessRequest } from "./access-request.js";
import { parseDurationSeconds } from "./duration.js";
import { ForbiddenError, ValidationError } from "./errors.js";
import type { Entitlement, Policy } from "./policy.js";
import { hasVisibleText } from "./visible-text.js";

/** Whoever acts: the verified identity token's `sub` and the groups from its groups claim. */
export interface Actor {
  sub: string;
  groups: readonly string[];
}

/**
 * Largest duration anyone may ask for, seconds (366 days). Above it a value is not a plausible grant
 * length but a unit mistake (milliseconds, `1e9`), so it is refused (400) instead of clamped (H21).
 */
export const MAX_REQUESTABLE_DURATION_SECONDS = 366 * 86_400;

/** How far ahead a requested `startsAt` may lie, seconds (7 days). */
export const MAX_START_AHEAD_SECONDS = 7 * 86_400;

/** Longest justification / ticket / comment text, characters. */
export const MAX_TEXT_LENGTH = 1_000;

/**
 * True when `a` and `b` may be the same person. Used only to refuse (self-approval, counting an approver
 * twice), so it errs towards "same": case and Unicode compatibility forms are folded (H19). Access is
 * never granted on a folded match; ownership checks compare `sub` exactly.
 */
export function maybeSameIdentity(a: string, b: string): boolean {
  return fold(a) === fold(b);
}

function fold(sub: string): string {
  return sub.normalize("NFKC").toLowerCase();
}

function intersects(groups: readonly string[], allowed: readonly string[]): boolean {
  return groups.some((g) => allowed.includes(g));
}

/** True when the actor's current groups make them eligible to request `entitlement`. */
export function isEligible(entitlement: Entitlement, actor: Actor): boolean {
  return intersects(actor.groups, entitlement.eligibleGroups);
}

/** True when the actor's current groups include one of the entitlement's approver groups. */
export function isApproverOf(entitlement: Entitlement | undefined, actor: Actor): boolean {
  return entitlement !== undefined && intersects(actor.groups, entitlement.approverGroups);
}

/** True when the actor is in one of `policy.adminGroups`. */
export function isAdmin(policy: Policy, actor: Actor): boolean {
  return intersects(actor.groups, policy.adminGroups);
}

/** What deciding who may oversee a request needs to know about it. */
export type RequestParties = Pick<AccessRequest, "requestId" | "requester" | "entitlementId">;

/** True when `actor` is the request's requester (exact `sub`). */
export function isRequester(request: RequestParties, actor: Actor): boolean {
  return request.requester === actor.sub;
}

/**
 * Who may see a request and its audit trail, and revoke it: the requester, approvers of its entitlement
 * (current groups) and admins.
 */
export function mayOversee(
  policy: Policy,
  entitlement: Entitlement | undefined,
  request: RequestParties,
  actor: Actor,
): boolean {
  return isRequester(request, actor) || isApproverOf(entitlement, actor) || isAdmin(policy, actor);
}

/**
 * Throws unless `mayOversee`.
 * @throws ForbiddenError `forbidden` (403). We answer 403 rather than 404 for an existing request: ids are
 *   random UUIDs, so confirming one exists leaks nothing useful, and the caller learns what is wrong.
 */
export function assertMayOversee(
  policy: Policy,
  entitlement: Entitlement | undefined,
  request: RequestParties,
  actor: Actor,
  action: string,
): void {
  if (!mayOversee(policy, entitlement, request, actor)) {
    throw new ForbiddenError(
      `You may not ${action} request ${request.requestId}: only its requester, approvers of ` +
        `"${request.entitlementId}" and admins may.`,
    );
  }
}

/** The grant length a request asks for, as the API accepts it (at most one of the two). */
export interface DurationInput {
  /** ISO 8601 duration, e.g. `PT2H`. */
  duration?: string;
  /** Whole seconds, > 0. */
  durationSeconds?: number;
}

/** The grant length after policy: what is stored and what the caller is told. */
export interface ResolvedDuration {
  /** Seconds the grant will last (≤ `maxDurationSeconds`). */
  durationSeconds: number;
  /** Seconds the caller asked for (the entitlement default when they asked for none). */
  requestedDurationSeconds: number;
  /** True when the request was longer than `maxDuration` and was shortened to it. */
  clamped: boolean;
}

/**
 * Resolves the requested duration (H21): the entitlement's default when none is given; refused (400,
 * naming the field) when not positive or above {@link MAX_REQUESTABLE_DURATION_SECONDS}; clamped to
 * `maxDuration` (and reported as `clamped`) when merely longer than the entitlement allows.
 * @throws ValidationError `invalid_request` with `details.field` = `duration` or `durationSeconds`.
 */
export function resolveDuration(entitlement: Entitlement, input: DurationInput): ResolvedDuration {
  if (input.duration !== undefined && input.durationSeconds !== undefined) {
    throw new ValidationError("Give either duration (ISO 8601) or durationSeconds, not both.", {
      field: "duration",
    });
  }
  let requested = entitlement.defaultDurationSeconds;
  let field = "durationSeconds";
  if (input.duration !== undefined) {
    field = "duration";
    try {
      requested = parseDurationSeconds(input.duration);
    } catch (err) {
      throw new ValidationError(`duration: ${(err as Error).message}`, { field });
    }
  } else if (input.durationSeconds !== undefined) {
    requested = input.durationSeconds;
  }
  if (!Number.isInteger(requested) || requested < 1) {
    throw new ValidationError(`${field}: must be at least 1 second`, { field });
  }
  if (requested > MAX_REQUESTABLE_DURATION_SECONDS) {
    throw new ValidationError(
      `${field}: ${requested} seconds is more than any grant may last (${MAX_REQUESTABLE_DURATION_SECONDS} s); ` +
        `"${entitlement.id}" allows at most ${entitlement.maxDurationSeconds} s.`,
      { field },
    );
  }
  const durationSeconds = Math.min(requested, entitlement.maxDurationSeconds);
  return { durationSeconds, requestedDurationSeconds: requested, clamped: durationSeconds < requested };
}

/**
 * Checks justification and ticket against the entitlement: a required justification must have visible
 * text ({@link hasVisibleText}: not empty, blank or made only of invisible characters, H24); with a `ticketPattern`, a ticket is required and must match the whole pattern.
 * @throws ValidationError naming `justification` or `ticket`.
 */
export function checkJustificationAndTicket(
  entitlement: Entitlement,
  input: { justification?: string; ticket?: string },
): void {
  if (entitlement.requireJustification && !hasVisibleText(input.justification ?? "")) {
    throw new ValidationError(
      `justification: "${entitlement.id}" requires a justification with visible text ` +
        "(blank or invisible characters alone do not count).",
      { field: "justification" },
    );
  }
  if (entitlement.ticketPattern !== undefined) {
    const ticket = input.ticket ?? "";
    if (ticket === "") {
      throw new ValidationError(
        `ticket: "${entitlement.id}" requires a ticket matching ${entitlement.ticketPattern}.`,
        { field: "ticket" },
      );
    }
    if (!new RegExp(`^(?:${entitlement.ticketPattern})$`, "u").test(ticket)) {
      throw new ValidationError(
        `ticket: "${ticket}" does not match the required pattern ${entitlement.ticketPattern}.`,
        { field: "ticket" },
      );
    }
  }
}

/**
 * Creation-time check of H20 ("a request whose only eligible approver is the requester is refused").
 *
 * Group membership cannot be listed from identity tokens, so whether some other person holds an approver
 * group is not decidable here. The rule we enforce is the decidable part: an entitlement that needs
 * approval must name at least one approver group, and `minApprovals` approvers other than the requester
 * are always required (the requester never counts, whatever groups they hold). A request that nobody else
 * approves is refused every self-approval (403) and expires at its approval deadline (410).
 * @throws ForbiddenError `forbidden` when the entitlement needs approval and has no approver group.
 */
export function assertApprovalPossible(entitlement: Entitlement): void {
  const needsApproval = !entitlement.autoApprove && !entitlement.breakGlass;
  if (needsApproval && (entitlement.approverGroups.length === 0 || entitlement.minApprovals < 1)) {
    throw new ForbiddenError(
      `"${entitlement.id}" needs approval but names no approver group, so no one but you could ` +
        "approve it; ask the policy owners to set approverGroups.",
    );
  }
}
