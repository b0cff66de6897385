/**
 * The integration events jit-access puts on its EventBridge bus (docs/events.md, schema in
 * docs/events/jit-access-event.schema.json). One per audit event, plus the sweeper's reminders.
 * Plain data and pure functions: no AWS SDK here.
 */
import type { EntitlementNotify } from "../policy.js";

/** EventBridge `source` of every event. */
export const EVENT_SOURCE = "jit-access";
/** Version of the `detail` shape; raised on any incompatible change. */
export const EVENT_DETAIL_VERSION = "1";

/** Reminder actions the sweeper emits (not audit actions). */
export type ReminderAction = "PENDING_REMINDER" | "APPROVAL_ESCALATION" | "EXPIRY_WARNING";

/** Who hears about an event: the audiences of an entitlement's `notify`. */
export type Audience = keyof EntitlementNotify;

/** One approval as events show it. */
export interface EventApproval {
  approver: string;
  at: string;
}

/** What an event says about the request it concerns. Fields a TTL-deleted request no longer has are absent. */
export interface EventRequest {
  requestId: string;
  entitlementId: string;
  requester: string;
  /** `extension` for a request to extend the grant {@link EventRequest.extends}. */
  kind?: "extension";
  /** The grant an extension request extends. */
  extends?: string;
  /** An approved extension: the grant's `expiresAt` after it. */
  extendedTo?: string;
  /** Status at publication (`EXPIRED` derived as everywhere else), when the request still exists. */
  status?: string;
  durationSeconds?: number;
  justification?: string;
  ticket?: string;
  approvals?: EventApproval[];
  /** Distinct approvals the entitlement needs. */
  approvalsRequired?: number;
  breakGlass?: boolean;
  /** Break-glass grants must be reviewed afterwards. */
  reviewRequired?: boolean;
  createdAt?: string;
  approvalDeadline?: string;
  grantedAt?: string;
  expiresAt?: string;
}

/** `detail` of every jit-access event, version 1. */
export interface IntegrationEventDetail {
  version: typeof EVENT_DETAIL_VERSION;
  /** UUID, unique across all requests; the idempotency key of every consumer and the webhook-id. */
  eventId: string;
  /** An audit action (`REQUESTED`, `APPROVED`, ...) or a reminder action. */
  action: string;
  /** `audit` for audit events, `reminder` for the sweeper's. */
  origin: "audit" | "reminder";
  /** Sort key of the audit event this one mirrors (`<ISO time>#<suffix>`); audit events only. */
  auditEventId?: string;
  /** ISO 8601 time of the audit event, or of the reminder's slot. */
  occurredAt: string;
  /** Who did it: an identity `sub`, or `system:<component>`. */
  actor: string;
  request: EventRequest;
  /** The audit event's details (comment, reason, ...); never a token. */
  details?: Record<string, string | number | boolean>;
  /** Reminder slot (0, 1, 2, ... for pending reminders; the deadline or expiry time otherwise). */
  slot?: string;
  /** Channel names this event is routed to (each channel's bus rule matches its own name). */
  channels: string[];
  /** The request's page in the web console. */
  consoleUrl?: string;
}

/** A bus entry: what `PutEvents` receives. */
export interface BusEvent {
  source: typeof EVENT_SOURCE;
  detailType: string;
  detail: IntegrationEventDetail;
}

const DETAIL_TYPES: Record<string, string> = {
  REQUESTED: "Request Created",
  APPROVAL_RECORDED: "Approval Recorded",
  APPROVED: "Request Approved",
  AUTO_APPROVED: "Request Auto-Approved",
  BREAK_GLASS_GRANTED: "Break-Glass Used",
  DENIED: "Request Denied",
  CANCELLED: "Request Cancelled",
  REVOKED: "Grant Revoked",
  TOKEN_ISSUED: "Token Issued",
  EXPIRED: "Request Expired",
  DELETED: "Request Deleted",
  REVIEWED: "Break-Glass Reviewed",
  EXTENDED: "Grant Extended",
  PENDING_REMINDER: "Request Reminder",
  APPROVAL_ESCALATION: "Approval Escalation",
  EXPIRY_WARNING: "Grant Expiry Warning",
};

/**
 * The EventBridge `detail-type` of an action: a fixed name for every known action ("Request Created"),
 * and for an action added later its words in title case (`SOME_NEW_THING` → "Some New Thing"), so a new
 * audit action is published rather than dropped.
 */
export function detailTypeFor(action: string): string {
  return (
    DETAIL_TYPES[action] ??
    action
      .toLowerCase()
      .split("_")
      .filter(Boolean)
      .map((w) => w[0]?.toUpperCase() + w.slice(1))
      .join(" ")
  );
}

/** Every known detail-type, by action (docs/events.md lists the same table). */
export const KNOWN_DETAIL_TYPES: Readonly<Record<string, string>> = DETAIL_TYPES;

/**
 * Who hears about an action (docs/events.md): new requests and reminders go to approvers, decisions to
 * approvers and the requester, break-glass use to security at once, expiry warnings to the requester.
 * Token issue and deletions go to the bus only (for a SIEM), to no channel.
 * @param request.selfServed the request was auto-approved or break-glass: its REQUESTED event is
 *   followed at once by the grant event, which is the one announced.
 */
export function audiencesFor(
  action: string,
  request: { selfServed: boolean; breakGlass: boolean },
): Audience[] {
  switch (action) {
    case "REQUESTED":
      return request.selfServed ? [] : ["approvers"];
    case "APPROVAL_RECORDED":
    case "PENDING_REMINDER":
      return ["approvers"];
    case "APPROVED":
    case "DENIED":
    case "CANCELLED":
    case "EXPIRED":
    case "EXTENDED":
      return ["approvers", "requester"];
    case "AUTO_APPROVED":
      return ["requester"];
    case "BREAK_GLASS_GRANTED":
      return ["security", "approvers"];
    case "REVOKED":
      return request.breakGlass ? ["approvers", "requester", "security"] : ["approvers", "requester"];
    case "REVIEWED":
      return ["security"];
    case "APPROVAL_ESCALATION":
      return ["escalation"];
    case "EXPIRY_WARNING":
      return ["requester"];
    default:
      return [];
  }
}

/** The distinct channel names of `audiences` in an entitlement's `notify`, in a stable order. */
export function channelsFor(notify: EntitlementNotify | undefined, audiences: readonly Audience[]): string[] {
  if (!notify) return [];
  return [...new Set(audiences.flatMap((a) => notify[a]))];
}

/** The console page of a request: `<consoleUrl>/requests/<id>` (the id URL-encoded). */
export function requestPageUrl(consoleUrl: string | undefined, requestId: string): string | undefined {
  if (!consoleUrl) return undefined;
  return `${consoleUrl.replace(/\/+$/, "")}/requests/${encodeURIComponent(requestId)}`;
}
