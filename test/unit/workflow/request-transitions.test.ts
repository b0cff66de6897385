import { describe, expect, it } from "vitest";
import { parsePolicy } from "#functions/config/load-policy.js";
import type { AccessRequest } from "#functions/domain/access-request.js";
import { newAccessRequest } from "#functions/domain/new-request.js";
import type { Entitlement } from "#functions/domain/policy.js";
import {
  approveRequest,
  cancelRequest,
  denyRequest,
  grantWindow,
  revokeRequest,
} from "#functions/domain/request-transitions.js";

const policy = parsePolicy(
  `
adminGroups: [admins]
entitlements:
  - id: two
    description: d
    audience: api
    permissions: ["GET /x"]
    eligibleGroups: [eng]
    approverGroups: [sre]
    minApprovals: 2
    maxDuration: PT2H
    defaultDuration: PT1H
    approvalTimeout: PT1H
    requireJustification: false
  - id: glass
    description: d
    audience: api
    permissions: ["GET /x"]
    eligibleGroups: [eng]
    breakGlass: true
    maxDuration: PT1H
    requireJustification: false
`,
  "unit.yaml",
);
const two = policy.entitlements[0] as Entitlement;
const glass = policy.entitlements[1] as Entitlement;
const T0 = Date.UTC(2026, 10, 29, 12, 0, 0);
const requester = { sub: "alice", groups: ["eng", "sre"] };
const bob = { sub: "bob", groups: ["sre"] };
const carol = { sub: "carol", groups: ["sre"] };

function pending(input: { startsAt?: string } = {}): AccessRequest {
  return newAccessRequest({ entitlement: two, actor: requester, input, nowMs: T0, requestId: "r-1" }).request;
}

describe("approve", () => {
  it("needs minApprovals distinct approvers; each approval is one event, the last one APPROVED", () => {
    const first = approveRequest({ request: pending(), entitlement: two, actor: bob, nowMs: T0 + 1000 });
    expect(first.after).toMatchObject({ status: "PENDING", version: 2 });
    expect(first.event).toMatchObject({ action: "APPROVAL_RECORDED", version: 2, actor: "bob" });
    expect(first.event.eventId).toBe("2026-11-29T12:00:01.000Z#v0002#APPROVAL_RECORDED");
    const second = approveRequest({ request: first.after, entitlement: two, actor: carol, nowMs: T0 + 2000 });
    expect(second.after).toMatchObject({
      status: "APPROVED",
      version: 3,
      grantedAt: "2026-11-29T12:00:02.000Z",
      expiresAt: "2026-11-29T13:00:02.000Z",
    });
    expect(second.event.action).toBe("APPROVED");
    expect(second.before).toBe(first.after);
    expect(second.deadlineField).toBe("approvalDeadline");
  });

  it("keeps the fields fixed at creation unchanged", () => {
    const request = pending();
    const t = approveRequest({ request, entitlement: two, actor: bob, nowMs: T0 + 1000 });
    for (const k of ["requester", "entitlementId", "audience", "durationSeconds", "createdAt"] as const) {
      expect(t.after[k]).toEqual(request[k]);
    }
  });

  it("refuses the requester's own approval although they are in the approver group", () => {
    expect(() =>
      approveRequest({ request: pending(), entitlement: two, actor: requester, nowMs: T0 }),
    ).toThrow(expect.objectContaining({ code: "self_approval" }));
  });

  it("refuses the same approver twice", () => {
    const first = approveRequest({ request: pending(), entitlement: two, actor: bob, nowMs: T0 });
    expect(() =>
      approveRequest({ request: first.after, entitlement: two, actor: { ...bob, sub: "BOB" }, nowMs: T0 }),
    ).toThrow(expect.objectContaining({ code: "already_approved" }));
  });

  it("answers expired past the approval deadline", () => {
    expect(() =>
      approveRequest({ request: pending(), entitlement: two, actor: bob, nowMs: T0 + 3_600_000 }),
    ).toThrow(expect.objectContaining({ code: "expired" }));
  });
});

describe("grant window", () => {
  it("starts at the later of approval and startsAt", () => {
    const later = pending({ startsAt: "2026-11-29T15:00:00.000Z" });
    expect(grantWindow(later, T0)).toEqual({
      grantedAt: "2026-11-29T15:00:00.000Z",
      expiresAt: "2026-11-29T16:00:00.000Z",
    });
    const past = pending({ startsAt: "2026-11-29T11:00:00.000Z" });
    expect(grantWindow(past, T0).grantedAt).toBe("2026-11-29T12:00:00.000Z");
  });
});

describe("deny and cancel", () => {
  it("lets an approver deny and only the requester cancel", () => {
    expect(
      denyRequest({ request: pending(), entitlement: two, actor: bob, nowMs: T0, reason: "no" }).after,
    ).toMatchObject({ status: "DENIED", deniedBy: "bob", denyReason: "no" });
    expect(() => cancelRequest({ request: pending(), actor: bob, nowMs: T0 })).toThrow(
      expect.objectContaining({ code: "forbidden" }),
    );
    expect(cancelRequest({ request: pending(), actor: requester, nowMs: T0 }).after.status).toBe("CANCELLED");
  });
});

describe("break-glass and revoke", () => {
  const created = newAccessRequest({
    entitlement: glass,
    actor: { sub: "alice", groups: ["eng"] },
    input: {},
    nowMs: T0,
    requestId: "g-1",
  });

  it("grants break-glass at once, flagged, with REQUESTED then BREAK_GLASS_GRANTED", () => {
    expect(created.request).toMatchObject({ status: "APPROVED", breakGlass: true, version: 2 });
    expect(created.events.map((e) => e.action)).toEqual(["REQUESTED", "BREAK_GLASS_GRANTED"]);
    expect(created.events.map((e) => e.eventId)).toEqual([...created.events.map((e) => e.eventId)].sort());
  });

  it("revokes once, then answers nothing to do", () => {
    const t = revokeRequest({
      request: created.request,
      entitlement: glass,
      policy,
      actor: { sub: "dave", groups: ["admins"] },
      nowMs: T0 + 1000,
    });
    expect(t?.after).toMatchObject({ status: "REVOKED", revokedBy: "dave", version: 3 });
    expect(t?.deadlineField).toBe("expiresAt");
    expect(
      revokeRequest({
        request: t?.after as AccessRequest,
        entitlement: glass,
        policy,
        actor: { sub: "alice", groups: [] },
        nowMs: T0 + 2000,
      }),
    ).toBeUndefined();
  });

  it("refuses revoke by someone unrelated", () => {
    expect(() =>
      revokeRequest({ request: created.request, entitlement: glass, policy, actor: bob, nowMs: T0 }),
    ).toThrow(expect.objectContaining({ code: "forbidden" }));
  });
});
