/**
 * What each channel type shows for an event: a Slack Block Kit message, an e-mail subject and body, and
 * the Standard Webhooks payload. Pure functions over the event detail; user text is escaped per channel.
 */
import { formatDurationSeconds } from "./format-duration.js";
import type { IntegrationEventDetail } from "./integration-event.js";

/**
 * Escapes text for Slack `mrkdwn` and plain text: `&`, `<` and `>` become entities, so no user text can
 * form a mention (`<@U123>`, `<!channel>`) or a link (`<https://…|…>`).
 * Source: https://api.slack.com/reference/surfaces/formatting#escaping
 */
export function escapeSlackText(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** A Slack message: fallback `text` plus Block Kit `blocks` (https://api.slack.com/reference/block-kit/blocks). */
export interface SlackMessage {
  text: string;
  blocks: Record<string, unknown>[];
}

/** One-line headline of an event, with the request's entitlement and requester (unescaped). */
export function headline(detail: IntegrationEventDetail): string {
  const r = detail.request;
  switch (detail.action) {
    case "REQUESTED":
      return `New access request: ${r.entitlementId} for ${r.requester}`;
    case "PENDING_REMINDER":
      return `Still waiting for approval: ${r.entitlementId} for ${r.requester}`;
    case "APPROVAL_ESCALATION":
      return `Approval deadline close: ${r.entitlementId} for ${r.requester}`;
    case "APPROVAL_RECORDED":
      return `Approval recorded by ${detail.actor}: ${r.entitlementId} for ${r.requester}`;
    case "APPROVED":
      return `Approved by ${detail.actor}: ${r.entitlementId} for ${r.requester}`;
    case "AUTO_APPROVED":
      return `Granted (auto-approved): ${r.entitlementId} for ${r.requester}`;
    case "BREAK_GLASS_GRANTED":
      return `Break-glass used, review required: ${r.entitlementId} by ${r.requester}`;
    case "DENIED":
      return `Denied by ${detail.actor}: ${r.entitlementId} for ${r.requester}`;
    case "CANCELLED":
      return `Cancelled by the requester: ${r.entitlementId} for ${r.requester}`;
    case "REVOKED":
      return `Revoked by ${detail.actor}: ${r.entitlementId} for ${r.requester}`;
    case "EXPIRED":
      return `Expired: ${r.entitlementId} for ${r.requester}`;
    case "EXPIRY_WARNING":
      return `Grant expires soon: ${r.entitlementId} for ${r.requester}`;
    case "REVIEWED":
      return `Break-glass reviewed by ${detail.actor}: ${r.entitlementId} by ${r.requester}`;
    default:
      return `${detail.action}: ${r.entitlementId} for ${r.requester}`;
  }
}

/** Label/value pairs shown by every channel, in order; user text unescaped. */
export function eventFacts(detail: IntegrationEventDetail): [string, string][] {
  const r = detail.request;
  const facts: [string, string][] = [
    ["Entitlement", r.entitlementId],
    ["Requester", r.requester],
  ];
  if (r.durationSeconds !== undefined) facts.push(["Duration", formatDurationSeconds(r.durationSeconds)]);
  if (r.ticket) facts.push(["Ticket", r.ticket]);
  if (r.approvalsRequired !== undefined) {
    const names = (r.approvals ?? []).map((a) => a.approver);
    facts.push([
      "Approvals",
      `${names.length} of ${r.approvalsRequired}${names.length > 0 ? ` (${names.join(", ")})` : ""}`,
    ]);
  }
  if (r.expiresAt && (r.status === "APPROVED" || detail.action === "EXPIRY_WARNING")) {
    facts.push(["Expires", r.expiresAt]);
  }
  if (detail.action === "PENDING_REMINDER" || detail.action === "APPROVAL_ESCALATION") {
    if (r.approvalDeadline) facts.push(["Approval deadline", r.approvalDeadline]);
  }
  if (r.breakGlass) facts.push(["Review", r.reviewRequired === false ? "reviewed" : "review required"]);
  const reason = detail.details?.reason ?? detail.details?.comment;
  if (typeof reason === "string" && reason) facts.push(["Reason", reason]);
  return facts;
}

const NEEDS_APPROVAL = new Set(["REQUESTED", "PENDING_REMINDER", "APPROVAL_ESCALATION", "APPROVAL_RECORDED"]);

/**
 * The Slack message of an event: a header, the facts as fields, the justification, a button opening the
 * request in the console and, while approval is needed, the `jit approve <id>` command. Every piece of
 * user text is escaped and `verbatim` keeps Slack from turning names or URLs into links.
 */
export function slackMessage(detail: IntegrationEventDetail): SlackMessage {
  const r = detail.request;
  const title = headline(detail);
  const mrkdwn = (text: string) => ({ type: "mrkdwn", text, verbatim: true });
  const blocks: Record<string, unknown>[] = [
    { type: "header", text: { type: "plain_text", text: truncate(title, 150) } },
    {
      type: "section",
      fields: eventFacts(detail).map(([label, value]) =>
        mrkdwn(`*${label}*\n${truncate(escapeSlackText(value), 1900)}`),
      ),
    },
  ];
  if (r.justification) {
    blocks.push({
      type: "section",
      text: mrkdwn(`*Justification*\n${truncate(escapeSlackText(r.justification), 2900)}`),
    });
  }
  if (detail.consoleUrl) {
    blocks.push({
      type: "actions",
      elements: [
        {
          type: "button",
          text: {
            type: "plain_text",
            text: NEEDS_APPROVAL.has(detail.action) ? "Review request" : "Open request",
          },
          url: detail.consoleUrl,
          action_id: "open-request",
        },
      ],
    });
  }
  const context = NEEDS_APPROVAL.has(detail.action)
    ? `Approve from a terminal: \`jit approve ${escapeSlackText(r.requestId)}\``
    : `Request \`${escapeSlackText(r.requestId)}\``;
  blocks.push({ type: "context", elements: [mrkdwn(context)] });
  return { text: escapeSlackText(title), blocks };
}

/** An e-mail: subject and plain-text body (SNS e-mail subscriptions send text). */
export interface EmailMessage {
  subject: string;
  body: string;
}

/** The e-mail of an event. SNS subjects are at most 100 ASCII characters without line breaks. */
export function emailMessage(detail: IntegrationEventDetail): EmailMessage {
  const subject = `[jit-access] ${headline(detail)}`
    .replace(/[\r\n]+/g, " ")
    .replace(/[^\x20-\x7e]/g, "?")
    .slice(0, 100);
  const lines = [headline(detail), "", ...eventFacts(detail).map(([label, value]) => `${label}: ${value}`)];
  if (detail.request.justification) lines.push(`Justification: ${detail.request.justification}`);
  if (detail.consoleUrl) lines.push("", `Open: ${detail.consoleUrl}`);
  if (NEEDS_APPROVAL.has(detail.action)) lines.push(`Approve: jit approve ${detail.request.requestId}`);
  lines.push("", `Request ${detail.request.requestId}, event ${detail.eventId}`);
  return { subject, body: lines.join("\n") };
}

/**
 * The body of a webhook call, in the Standard Webhooks payload shape (`type`, `timestamp`, `data`):
 * `type` is `jit-access.<action in lower case>`, `data` the event detail.
 * Source: https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md
 */
export function webhookPayload(detail: IntegrationEventDetail): string {
  return JSON.stringify({
    type: `jit-access.${detail.action.toLowerCase()}`,
    timestamp: detail.occurredAt,
    data: detail,
  });
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
