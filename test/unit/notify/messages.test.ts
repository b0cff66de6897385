import { describe, expect, it } from "vitest";
import { retryVisibilitySeconds } from "#functions/domain/notifications/delivery-backoff.js";
import type { IntegrationEventDetail } from "#functions/domain/notifications/integration-event.js";
import { audiencesFor, detailTypeFor } from "#functions/domain/notifications/integration-event.js";
import {
  emailMessage,
  escapeSlackText,
  slackMessage,
  webhookPayload,
} from "#functions/domain/notifications/messages.js";
import {
  pendingReminderDueMs,
  pendingReminderSlot,
} from "#functions/domain/notifications/reminder-schedule.js";

const detail = (overrides: Partial<IntegrationEventDetail> = {}): IntegrationEventDetail => ({
  version: "1",
  eventId: "6f1c2a4e-8d2b-5c3a-9e1f-0a1b2c3d4e5f",
  action: "REQUESTED",
  origin: "audit",
  auditEventId: "2026-12-02T10:00:00.000Z#v0001#REQUESTED",
  occurredAt: "2026-12-02T10:00:00.000Z",
  actor: "alice",
  request: {
    requestId: "req-1",
    entitlementId: "orders-admin",
    requester: "alice",
    status: "PENDING",
    durationSeconds: 5400,
    justification: "fix <!channel> & <@U123> <https://evil.example|click>",
    ticket: "INC-42",
    approvals: [],
    approvalsRequired: 2,
  },
  channels: ["sre"],
  consoleUrl: "https://console.example.com/requests/req-1",
  ...overrides,
});

describe("Slack messages", () => {
  it("escapes &, < and > so user text can form no mention or link", () => {
    expect(escapeSlackText("a & <!here> <@U1> <https://x|y>")).toBe(
      "a &amp; &lt;!here&gt; &lt;@U1&gt; &lt;https://x|y&gt;",
    );
  });

  it("shows entitlement, requester, duration, ticket, approvals, justification, the console button and the approve command", () => {
    const message = slackMessage(detail());
    const text = JSON.stringify(message);
    expect(message.text).toBe("New access request: orders-admin for alice");
    for (const fact of ["orders-admin", "alice", "1h 30m", "INC-42", "0 of 2"]) expect(text).toContain(fact);
    expect(text).toContain("fix &lt;!channel&gt; &amp; &lt;@U123&gt; &lt;https://evil.example|click&gt;");
    expect(text).not.toMatch(/<!channel>|<@U123>|<https:\/\/evil/);
    const actions = message.blocks.find((b) => b.type === "actions") as { elements: { url: string }[] };
    expect(actions.elements[0]?.url).toBe("https://console.example.com/requests/req-1");
    expect(text).toContain("jit approve req-1");
    // Every mrkdwn text is verbatim: Slack turns no name or URL in it into a link.
    const mrkdwn = text.match(/"type":"mrkdwn","text":"[^"]*","verbatim":(true|false)/g) ?? [];
    expect(mrkdwn.length).toBeGreaterThan(3);
    expect(mrkdwn.every((m) => m.endsWith("true"))).toBe(true);
  });

  it("follows up a decision without the approve command", () => {
    const message = slackMessage(detail({ action: "APPROVED", actor: "bob" }));
    expect(message.text).toBe("Approved by bob: orders-admin for alice");
    expect(JSON.stringify(message)).not.toContain("jit approve");
  });

  it("escapes the actor and requester too", () => {
    const message = slackMessage(detail({ action: "DENIED", actor: "<!everyone>" }));
    expect(message.text).toBe("Denied by &lt;!everyone&gt;: orders-admin for alice");
  });
});

describe("e-mail and webhook bodies", () => {
  it("keeps the e-mail subject to 100 printable ASCII characters on one line", () => {
    const long = detail({ request: { ...detail().request, requester: `ali\nce ${"é".repeat(200)}` } });
    const { subject, body } = emailMessage(long);
    expect(subject.length).toBeLessThanOrEqual(100);
    expect(subject).toMatch(/^[\x20-\x7e]+$/);
    expect(body).toContain("Open: https://console.example.com/requests/req-1");
    expect(body).toContain("Approve: jit approve req-1");
  });

  it("wraps the detail in the Standard Webhooks payload shape", () => {
    expect(JSON.parse(webhookPayload(detail()))).toEqual({
      type: "jit-access.requested",
      timestamp: "2026-12-02T10:00:00.000Z",
      data: detail(),
    });
  });
});

describe("routing and names", () => {
  it("names every action, and an unknown one in title case", () => {
    expect(detailTypeFor("BREAK_GLASS_GRANTED")).toBe("Break-Glass Used");
    expect(detailTypeFor("SOME_NEW_THING")).toBe("Some New Thing");
  });

  it("announces break-glass to security, and a self-served request's REQUESTED to no one", () => {
    expect(audiencesFor("BREAK_GLASS_GRANTED", { selfServed: true, breakGlass: true })).toContain("security");
    expect(audiencesFor("REQUESTED", { selfServed: true, breakGlass: true })).toEqual([]);
    expect(audiencesFor("REQUESTED", { selfServed: false, breakGlass: false })).toEqual(["approvers"]);
    expect(audiencesFor("TOKEN_ISSUED", { selfServed: false, breakGlass: false })).toEqual([]);
  });
});

describe("retry and reminder timing", () => {
  it("grows every retry gap until the cap, whatever the jitter", () => {
    const settings = { baseSeconds: 10, maxSeconds: 900 };
    let previousMax = 0;
    for (let attempt = 1; attempt <= 6; attempt++) {
      const low = retryVisibilitySeconds(attempt, settings, () => 0);
      const high = retryVisibilitySeconds(attempt, settings, () => 0.999_999);
      expect(low).toBe(10 * 2 ** (attempt - 1));
      expect(high).toBeLessThan(1.5 * low);
      expect(low).toBeGreaterThan(previousMax);
      previousMax = high;
    }
    expect(retryVisibilitySeconds(20, settings, () => 0.5)).toBe(900);
  });

  it("re-announces after the interval, then after doubling gaps", () => {
    const created = Date.parse("2026-12-02T10:00:00Z");
    const minute = 60_000;
    expect(pendingReminderSlot(created, 60, created + minute - 1)).toBeUndefined();
    expect(pendingReminderSlot(created, 60, created + minute)).toBe(0);
    expect(pendingReminderSlot(created, 60, created + 3 * minute - 1)).toBe(0);
    expect(pendingReminderSlot(created, 60, created + 3 * minute)).toBe(1);
    expect(pendingReminderSlot(created, 60, created + 7 * minute)).toBe(2);
    expect(pendingReminderDueMs(created, 60, 2)).toBe(created + 7 * minute);
  });
});
