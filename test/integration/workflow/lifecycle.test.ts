import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createWorkflowHarness,
  invoke,
  proxyEvent,
  USERS,
  type WorkflowHarness,
} from "./workflow-harness.js";

const { alice, bob, carol, erin, dave, mallory } = USERS;
const HOUR_MS = 3_600_000;

let h: WorkflowHarness;
beforeAll(async () => {
  h = await createWorkflowHarness();
});
afterAll(() => h.close());

async function auditActions(id: string): Promise<string[]> {
  return (await h.deps.audit.list(id)).map((e) => e.action);
}

describe("GET /entitlements", () => {
  it("lists only the entitlements the caller is eligible for", async () => {
    const res = await invoke(
      h.handlers.listEntitlements,
      proxyEvent({ caller: alice, method: "GET", path: "/entitlements" }),
    );
    expect(res.status).toBe(200);
    expect(res.body.entitlements.map((e: { id: string }) => e.id)).toEqual([
      "ops-read",
      "db-admin",
      "auto-read",
      "break-glass",
      "payments",
    ]);
    const forCarol = await invoke(
      h.handlers.listEntitlements,
      proxyEvent({ caller: carol, method: "GET", path: "/entitlements" }),
    );
    expect(forCarol.body.entitlements).toEqual([]);
  });
});

describe("full lifecycle through the handlers", () => {
  it("needs two distinct approvers for minApprovals 2, then grants the requested window", async () => {
    const created = await h.createRequest(alice, {
      entitlement: "db-admin",
      duration: "PT2H",
      justification: "migrate the orders table",
      ticket: "INC-42",
    });
    expect(created.status).toBe(201);
    expect(created.headers.location).toBe(`/requests/${created.body.requestId}`);
    expect(created.body).toMatchObject({
      status: "PENDING",
      requester: "alice",
      entitlement: "db-admin",
      durationSeconds: 7200,
      duration: "PT2H",
      minApprovals: 2,
      clamped: false,
      active: false,
    });
    const id = created.body.requestId as string;

    h.clock.advance(60_000);
    const first = await h.act("approve", bob, id, { comment: "ok from sre" });
    expect(first.status).toBe(200);
    expect(first.body.status).toBe("PENDING");
    expect(first.body.approvals).toHaveLength(1);

    const pendingForCarol = await h.list(carol, { pending: "" });
    expect(pendingForCarol.body.requests.map((r: { requestId: string }) => r.requestId)).toContain(id);
    const pendingForBob = await h.list(bob, { pending: "" });
    expect(pendingForBob.body.requests.map((r: { requestId: string }) => r.requestId)).not.toContain(id);

    h.clock.advance(60_000);
    const approvedAtMs = h.clock.nowMs();
    const second = await h.act("approve", carol, id);
    expect(second.status).toBe(200);
    expect(second.body.status).toBe("APPROVED");
    expect(second.body.active).toBe(true);
    expect(second.body.grantedAt).toBe(new Date(approvedAtMs).toISOString());
    expect(second.body.expiresAt).toBe(new Date(approvedAtMs + 2 * HOUR_MS).toISOString());
    expect(second.body.approvals.map((a: { approver: string }) => a.approver)).toEqual(["bob", "carol"]);

    const read = await h.getRequest(alice, id);
    expect(read.body).toMatchObject({ status: "APPROVED", expiresAt: second.body.expiresAt, version: 3 });
    expect(await auditActions(id)).toEqual(["REQUESTED", "APPROVAL_RECORDED", "APPROVED"]);

    const pendingAfter = await h.list(erin, { pending: "" });
    expect(pendingAfter.body.requests.map((r: { requestId: string }) => r.requestId)).not.toContain(id);
    const stored = await h.deps.requests.get(id, { consistentRead: true });
    expect(stored?.status).toBe("APPROVED");
    const raw = await h.doc.send(
      new (await import("@aws-sdk/lib-dynamodb")).GetCommand({
        TableName: h.tables.requests,
        Key: { requestId: id },
      }),
    );
    expect(raw.Item).toHaveProperty("statusEntitlement", "APPROVED#db-admin");
  });

  it("starts the window at a later startsAt instead of at approval", async () => {
    const startsAt = new Date(h.clock.nowMs() + 3 * HOUR_MS).toISOString();
    const created = await h.createRequest(alice, { entitlement: "ops-read", durationSeconds: 600, startsAt });
    const approved = await h.act("approve", bob, created.body.requestId);
    expect(approved.body).toMatchObject({
      status: "APPROVED",
      active: false,
      grantedAt: startsAt,
      expiresAt: new Date(Date.parse(startsAt) + 600_000).toISOString(),
    });
  });

  it("denies: DENIED is terminal and audited once", async () => {
    const created = await h.createRequest(alice, { entitlement: "ops-read" });
    const id = created.body.requestId;
    const denied = await h.act("deny", bob, id, { reason: "not during the freeze" });
    expect(denied.status).toBe(200);
    expect(denied.body).toMatchObject({
      status: "DENIED",
      deniedBy: "bob",
      denyReason: "not during the freeze",
    });
    const again = await h.act("approve", erin, id);
    expect(again.status).toBe(409);
    expect(again.body.code).toBe("invalid_state");
    expect(await auditActions(id)).toEqual(["REQUESTED", "DENIED"]);
  });

  it("cancels: only the requester, only while PENDING", async () => {
    const created = await h.createRequest(alice, { entitlement: "ops-read" });
    const id = created.body.requestId;
    const byOther = await h.act("cancel", bob, id);
    expect(byOther.status).toBe(403);
    const cancelled = await h.act("cancel", alice, id);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.status).toBe("CANCELLED");
    const twice = await h.act("cancel", alice, id);
    expect(twice.status).toBe(409);
    expect(await auditActions(id)).toEqual(["REQUESTED", "CANCELLED"]);
  });

  it("revokes an approved grant: REVOKED is stored and the grant is no longer active", async () => {
    const created = await h.createRequest(alice, { entitlement: "ops-read" });
    const id = created.body.requestId;
    await h.act("approve", bob, id);
    const revoked = await h.act("revoke", dave, id, { reason: "incident closed" });
    expect(revoked.status).toBe(200);
    expect(revoked.body).toMatchObject({ status: "REVOKED", active: false, revokedBy: "dave" });
    const stored = await h.deps.requests.get(id, { consistentRead: true });
    expect(stored?.status).toBe("REVOKED");
    expect(await auditActions(id)).toEqual(["REQUESTED", "APPROVED", "REVOKED"]);
  });

  it("auto-approves: 201 APPROVED at once, audited REQUESTED and AUTO_APPROVED", async () => {
    const created = await h.createRequest(alice, { entitlement: "auto-read", duration: "PT2H" });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      status: "APPROVED",
      active: true,
      autoApproved: true,
      breakGlass: false,
    });
    expect(created.body.expiresAt).toBe(new Date(h.clock.nowMs() + 2 * HOUR_MS).toISOString());
    expect(await auditActions(created.body.requestId)).toEqual(["REQUESTED", "AUTO_APPROVED"]);
  });

  it("break-glass: 201 APPROVED at once, flagged, audited BREAK_GLASS_GRANTED", async () => {
    const created = await h.createRequest(alice, {
      entitlement: "break-glass",
      justification: "orders API down, pager 1234",
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ status: "APPROVED", active: true, breakGlass: true });
    expect(await auditActions(created.body.requestId)).toEqual(["REQUESTED", "BREAK_GLASS_GRANTED"]);
    const notOncall = await h.createRequest(mallory, { entitlement: "break-glass", justification: "x" });
    expect(notOncall.status).toBe(403);
    expect(notOncall.body.code).toBe("not_eligible");
  });

  it("expires a pending request past its approval deadline: 410 for actions, EXPIRED on read", async () => {
    const created = await h.createRequest(alice, { entitlement: "ops-read" });
    const id = created.body.requestId;
    h.clock.advance(HOUR_MS + 1_000);
    for (const [action, caller, body] of [
      ["approve", bob, {}],
      ["deny", bob, { reason: "late" }],
      ["cancel", alice, {}],
    ] as const) {
      const res = await h.act(action, caller, id, body);
      expect(res.status, action).toBe(410);
      expect(res.body.code).toBe("expired");
    }
    expect((await h.getRequest(alice, id)).body.status).toBe("EXPIRED");
    const pending = await h.list(bob, { pending: "" });
    expect(pending.body.requests.map((r: { requestId: string }) => r.requestId)).not.toContain(id);
    expect(await auditActions(id)).toEqual(["REQUESTED"]);
  });

  it("extends a grant with a new request without disturbing the active one", async () => {
    const first = await h.createRequest(mallory, { entitlement: "ops-read", duration: "PT1H" });
    await h.act("approve", bob, first.body.requestId);
    h.clock.advance(50 * 60_000);
    const extension = await h.createRequest(mallory, { entitlement: "ops-read", duration: "PT1H" });
    expect(extension.status).toBe(201);
    const approved = await h.act("approve", erin, extension.body.requestId);
    expect(approved.body.status).toBe("APPROVED");

    const original = await h.getRequest(mallory, first.body.requestId);
    expect(original.body).toMatchObject({ status: "APPROVED", active: true, version: 2 });
    expect(Date.parse(approved.body.expiresAt)).toBeGreaterThan(Date.parse(original.body.expiresAt));

    await h.act("revoke", mallory, first.body.requestId);
    expect((await h.getRequest(mallory, extension.body.requestId)).body.status).toBe("APPROVED");
    const mine = await h.list(mallory, { mine: "" });
    expect(mine.body.requests.map((r: { requestId: string }) => r.requestId)).toEqual([
      extension.body.requestId,
    ]);
    const all = await h.list(mallory, { mine: "", all: "" });
    expect(all.body.requests.map((r: { status: string }) => r.status)).toEqual(["APPROVED", "REVOKED"]);
  });

  it("shows the audit trail to the requester and approvers, not to others", async () => {
    const created = await h.createRequest(alice, { entitlement: "ops-read" });
    const id = created.body.requestId;
    await h.act("approve", bob, id, { comment: "fine" });
    const trail = await h.auditTrail(alice, id);
    expect(trail.status).toBe(200);
    expect(trail.body.events.map((e: { action: string; actor: string }) => [e.action, e.actor])).toEqual([
      ["REQUESTED", "alice"],
      ["APPROVED", "bob"],
    ]);
    expect((await h.auditTrail(erin, id)).status).toBe(200);
    expect((await h.auditTrail(dave, id)).status).toBe(200);
    const other = await h.auditTrail(mallory, id);
    expect(other.status).toBe(403);
    expect(other.body.code).toBe("forbidden");
  });
});
