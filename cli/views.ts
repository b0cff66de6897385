import { parseDurationSeconds } from "#functions/domain/duration.js";
import type { AccessRequestView, AuditEventView, EntitlementView } from "./api-types.js";
import {
  displayText,
  formatFriendlyDuration,
  formatKeyValues,
  formatShortTime,
  formatTable,
  formatTime,
} from "./format.js";

/** An ISO 8601 duration from the API in the friendly form (`PT1H30M` → `1h30m`); other text as is. */
export function friendlyIso(iso: string | undefined): string | undefined {
  if (iso === undefined) return undefined;
  try {
    return formatFriendlyDuration(parseDurationSeconds(iso));
  } catch {
    return iso;
  }
}

/**
 * How an entitlement is approved, in a few words: `auto`, `break-glass`, the server's description of its
 * rule (`1 approver from sre and 1 approver from payments-approvers (…)`), or `1 of sre` from an older server.
 */
export function approvalRule(e: EntitlementView): string {
  if (e.breakGlass) return "break-glass";
  if (e.autoApprove) return "auto";
  if (e.approvalRule) return e.approvalRule;
  const groups = e.approverGroups?.join(", ");
  return groups ? `${e.minApprovals ?? 1} of ${groups}` : "";
}

/** The `jit entitlements` table. */
export function entitlementsTable(entitlements: readonly EntitlementView[]): string {
  return formatTable(
    [
      { header: "id", value: (e: EntitlementView) => e.id },
      { header: "approval", value: approvalRule },
      { header: "default", value: (e) => friendlyIso(e.defaultDuration) },
      { header: "max", value: (e) => friendlyIso(e.maxDuration) },
      { header: "ticket", value: (e) => (e.ticketPattern ? e.ticketPattern : "") },
      { header: "description", value: (e) => e.description, maxWidth: 60 },
    ],
    entitlements,
    "(no entitlements you may request)",
  );
}

/** The `jit list` table. */
export function requestsTable(
  requests: readonly AccessRequestView[],
  nowMs: number,
  emptyMessage: string,
): string {
  return formatTable(
    [
      { header: "id", value: (r: AccessRequestView) => r.requestId },
      {
        header: "entitlement",
        value: (r) =>
          r.kind === "extension" ? `${r.entitlement} (extends ${r.extends ?? "?"})` : r.entitlement,
      },
      { header: "requester", value: (r) => r.requester },
      { header: "status", value: (r) => r.status },
      {
        header: "for",
        value: (r) => (r.durationSeconds === undefined ? "" : formatFriendlyDuration(r.durationSeconds)),
      },
      { header: "created", value: (r) => formatShortTime(r.createdAt, nowMs) },
      { header: "expires", value: (r) => formatShortTime(r.expiresAt, nowMs) },
      { header: "ticket", value: (r) => r.ticket, maxWidth: 20 },
      { header: "reason", value: (r) => r.justification, maxWidth: 40 },
    ],
    requests,
    emptyMessage,
  );
}

/** The details block of `jit show` and of commands that change a request. */
export function requestDetails(r: AccessRequestView, nowMs: number): string {
  const approvals = (r.approvals ?? []).map(
    (a) =>
      `${displayText(a.approver)} ${formatShortTime(a.at, nowMs) ?? ""}${a.comment ? ` "${displayText(a.comment)}"` : ""}`,
  );
  return formatKeyValues([
    ["Request", r.requestId],
    ["Extends", r.kind === "extension" ? r.extends : undefined],
    ["Entitlement", r.entitlement],
    [
      "Status",
      `${r.status}${r.breakGlass ? (r.reviewRequired === false ? " (break-glass, reviewed)" : " (break-glass, review required)") : ""}${r.autoApproved ? " (auto-approved)" : ""}`,
    ],
    ["Requester", r.requester],
    [
      r.kind === "extension" ? "Adds" : "Duration",
      r.durationSeconds === undefined ? undefined : formatFriendlyDuration(r.durationSeconds),
    ],
    ["Justification", r.justification],
    ["Ticket", r.ticket],
    ["Created", formatTime(r.createdAt, nowMs)],
    ["Starts", r.grantedAt === undefined ? formatTime(r.startsAt, nowMs) : undefined],
    ["Approve by", r.status === "PENDING" ? formatTime(r.approvalDeadline, nowMs) : undefined],
    ["Approvals", approvalsLine(r, approvals)],
    ["Granted", formatTime(r.grantedAt, nowMs)],
    ["Expires", formatTime(r.expiresAt, nowMs)],
    ["Cancelled", formatTime(r.cancelledAt, nowMs)],
    ["Denied by", r.deniedBy],
    ["Deny reason", r.denyReason],
    ["Revoked", formatTime(r.revokedAt, nowMs)],
    ["Revoked by", r.revokedBy],
    ["Revoke reason", r.revokeReason],
    ["Extended to", formatTime(r.extendedTo, nowMs)],
    ["Reviewed", formatTime(r.reviewedAt, nowMs)],
    ["Reviewed by", r.reviewedBy],
    ["Review note", r.reviewNote],
  ]);
}

function approvalsLine(r: AccessRequestView, approvals: string[]): string | undefined {
  const needed = r.minApprovals === undefined ? "" : `${approvals.length} of ${r.minApprovals}`;
  if (approvals.length === 0) return needed || undefined;
  return `${needed ? `${needed}: ` : ""}${approvals.join("; ")}`;
}

/** The audit trail table of `jit show`. */
export function auditTable(events: readonly AuditEventView[], nowMs: number): string {
  return formatTable(
    [
      { header: "time", value: (e: AuditEventView) => formatTime(e.at, nowMs) },
      { header: "action", value: (e) => e.action },
      { header: "actor", value: (e) => e.actor },
      {
        header: "details",
        value: (e) =>
          Object.entries(e.details ?? {})
            .map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`)
            .join(" "),
        maxWidth: 80,
      },
    ],
    events,
    "(no audit events)",
  );
}
