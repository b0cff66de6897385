import { describe, expect, it } from "vitest";
import { parsePolicy } from "#functions/config/load-policy.js";
import type { AccessRequest } from "#functions/domain/access-request.js";
import type { BusEvent } from "#functions/domain/notifications/integration-event.js";
import type { EventBus, NotificationLedger, RequestsByStatus } from "#functions/ports/notifications.js";
import { sweepReminders } from "#functions/use-cases/sweep-reminders.js";
import { ManualClock } from "#test/helpers/clock.js";

const POLICY = parsePolicy(
  `
entitlements:
  - id: ops
    description: Ops
    audience: ops-api
    permissions: ["GET /ops/*"]
    eligibleGroups: [engineers]
    approverGroups: [sre]
    maxDuration: PT4H
    approvalTimeout: PT2H
    notify: { approvers: [sre-chat], requester: [me], escalation: [pager] }
notifications:
  channels:
    sre-chat: { type: slack, secret: s/sre }
    me: { type: slack, secret: s/me }
    pager: { type: email }
  reminders: { firstAfter: PT10M, escalateBefore: PT30M, expiryWarningBefore: PT5M }
`,
  "sweep-test.yaml",
);

const T0 = Date.parse("2026-12-02T10:00:00Z");
const MIN = 60_000;

function request(overrides: Partial<AccessRequest>): AccessRequest {
  return {
    requestId: "r1",
    requester: "alice",
    entitlementId: "ops",
    audience: "ops-api",
    durationSeconds: 3600,
    status: "PENDING",
    version: 1,
    createdAt: new Date(T0).toISOString(),
    approvalDeadline: new Date(T0 + 120 * MIN).toISOString(),
    approvals: [],
    breakGlass: false,
    autoApproved: false,
    updatedAt: new Date(T0).toISOString(),
    ...overrides,
  };
}

function harness(requests: AccessRequest[]) {
  const clock = new ManualClock(T0);
  const events: BusEvent[] = [];
  const recorded = new Set<string>();
  const bus: EventBus = { put: async (e) => void events.push(...e) };
  const ledger: NotificationLedger = {
    has: async (k) => recorded.has(k),
    record: async (k) => void recorded.add(k),
  };
  const byStatus: RequestsByStatus = {
    list: async (status, entitlementId) =>
      requests.filter((r) => r.status === status && r.entitlementId === entitlementId),
  };
  const deps = { requests: byStatus, ledger, bus, policy: POLICY, clock, consoleUrl: "https://c.example" };
  const sweep = async (atMinutes: number) => {
    clock.set(T0 + atMinutes * MIN);
    return sweepReminders(deps);
  };
  return { events, sweep };
}

describe("reminder sweep", () => {
  it("re-announces a pending request after the interval, then with doubling gaps, once per slot", async () => {
    const h = harness([request({})]);
    expect(await h.sweep(9)).toEqual([]);
    const sent = [];
    for (const minute of [10, 11, 12, 29, 30, 31, 69, 70]) sent.push(...(await h.sweep(minute)));
    expect(sent.map((s) => `${s.action}:${s.slot}`)).toEqual([
      "PENDING_REMINDER:0",
      "PENDING_REMINDER:1",
      "PENDING_REMINDER:2",
    ]);
    const first = h.events[0];
    expect(first?.detailType).toBe("Request Reminder");
    expect(first?.detail.channels).toEqual(["sre-chat"]);
    expect(first?.detail.consoleUrl).toBe("https://c.example/requests/r1");
    // Slot ids are stable: the same request and slot always give the same event id.
    const again = harness([request({})]);
    await again.sweep(10);
    expect(again.events[0]?.detail.eventId).toBe(first?.detail.eventId);
  });

  it("escalates once, shortly before the approval deadline, and never after it", async () => {
    const h = harness([request({})]);
    await h.sweep(89);
    expect(h.events.some((e) => e.detail.action === "APPROVAL_ESCALATION")).toBe(false);
    await h.sweep(90);
    await h.sweep(95);
    const escalations = h.events.filter((e) => e.detail.action === "APPROVAL_ESCALATION");
    expect(escalations).toHaveLength(1);
    expect(escalations[0]?.detail.channels).toEqual(["pager"]);
    const later = harness([request({})]);
    expect((await later.sweep(121)).length).toBe(0);
  });

  it("warns the requester once before a grant expires, and again after an extension", async () => {
    const grant = request({
      status: "APPROVED",
      grantedAt: new Date(T0).toISOString(),
      expiresAt: new Date(T0 + 60 * MIN).toISOString(),
    });
    const h = harness([grant]);
    await h.sweep(54);
    expect(h.events).toHaveLength(0);
    await h.sweep(55);
    await h.sweep(57);
    expect(h.events.map((e) => e.detail.action)).toEqual(["EXPIRY_WARNING"]);
    expect(h.events[0]?.detail.channels).toEqual(["me"]);
    grant.expiresAt = new Date(T0 + 90 * MIN).toISOString();
    await h.sweep(86);
    expect(h.events.map((e) => e.detail.action)).toEqual(["EXPIRY_WARNING", "EXPIRY_WARNING"]);
  });

  it("leaves decided and expired requests alone", async () => {
    const h = harness([
      request({ status: "DENIED" }),
      request({ requestId: "r2", approvalDeadline: new Date(T0 + 5 * MIN).toISOString() }),
    ]);
    expect(await h.sweep(10)).toEqual([]);
  });
});
