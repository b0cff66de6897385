import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createWorkflowHarness, USERS, type WorkflowHarness } from "./workflow-harness.js";

const { alice, bob, carol, dave, mallory, paula } = USERS;
const HOUR_MS = 3_600_000;

let h: WorkflowHarness;
beforeAll(async () => {
  h = await createWorkflowHarness();
});
afterAll(() => h.close());

const ids = (res: { body: { requests: { requestId: string }[] } }) =>
  res.body.requests.map((r) => r.requestId);

async function grant(entitlement: "ops-read" | "payments"): Promise<string> {
  const created = await h.createRequest(mallory, { entitlement });
  expect(created.status).toBe(201);
  const approver = entitlement === "ops-read" ? bob : paula;
  expect((await h.act("approve", approver, created.body.requestId)).body.status).toBe("APPROVED");
  return created.body.requestId;
}

describe("GET /requests?active", () => {
  it("lists live grants to admins (all) and approvers (their entitlements), never expired, revoked or pending ones", async () => {
    const opsGrant = await grant("ops-read");
    const paymentsGrant = await grant("payments");
    const revoked = await grant("ops-read");
    expect((await h.act("revoke", dave, revoked, { reason: "done" })).status).toBe(200);
    const pending = (await h.createRequest(mallory, { entitlement: "ops-read" })).body.requestId;
    const selfServed = (await h.createRequest(alice, { entitlement: "auto-read" })).body.requestId;

    const forAdmin = await h.list(dave, { active: "" });
    expect(forAdmin.status).toBe(200);
    expect(ids(forAdmin)).toEqual(expect.arrayContaining([opsGrant, paymentsGrant, selfServed]));
    expect(ids(forAdmin)).not.toContain(revoked);
    expect(ids(forAdmin)).not.toContain(pending);
    expect(forAdmin.body.requests.every((r: { active: boolean }) => r.active)).toBe(true);

    // bob approves ops-read (sre) only; paula approves payments only.
    const forBob = ids(await h.list(bob, { active: "" }));
    expect(forBob).toContain(opsGrant);
    expect(forBob).not.toContain(paymentsGrant);
    expect(ids(await h.list(paula, { active: "" }))).toEqual([paymentsGrant]);
    // A requester who approves nothing oversees nothing, not even their own grants.
    expect(ids(await h.list(mallory, { active: "" }))).toEqual([]);

    // Past expiresAt a grant leaves the list at once, before any TTL deletion (H15).
    h.clock.advance(HOUR_MS + 1_000);
    expect(ids(await h.list(dave, { active: "" }))).not.toContain(opsGrant);
  });
});

describe("break-glass review", () => {
  it("lists unreviewed break-glass grants, records one REVIEWED by an admin, and answers a second review with 409 already_reviewed", async () => {
    const created = await h.createRequest(alice, { entitlement: "break-glass", justification: "outage" });
    expect(created.status).toBe(201);
    expect(created.body.reviewRequired).toBe(true);
    const id = created.body.requestId as string;
    const other = (await h.createRequest(alice, { entitlement: "break-glass", justification: "again" })).body
      .requestId as string;

    const unreviewed = await h.list(dave, { breakGlass: "", unreviewed: "" });
    expect(unreviewed.status).toBe(200);
    expect(ids(unreviewed)).toEqual(expect.arrayContaining([id, other]));
    // The grant's own requester holds no oversight of break-glass: nothing listed for them.
    expect(ids(await h.list(alice, { breakGlass: "", unreviewed: "" }))).toEqual([]);

    // Only admins review; nobody reviews their own use; a note with visible text is required.
    expect((await h.act("review", bob, id, { note: "looked fine" })).body.code).toBe("forbidden");
    const noNote = await h.act("review", dave, id, { note: "\u200b" });
    expect(noNote.status).toBe(400);
    expect(noNote.body.field).toBe("note");

    h.clock.advance(60_000);
    const reviewed = await h.act("review", dave, id, { note: "outage INC-7, access matched the runbook" });
    expect(reviewed.status).toBe(200);
    expect(reviewed.body).toMatchObject({
      requestId: id,
      status: "APPROVED",
      reviewRequired: false,
      reviewedBy: "dave",
      reviewNote: "outage INC-7, access matched the runbook",
    });
    const again = await h.act("review", dave, id, { note: "twice" });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe("already_reviewed");
    expect(again.body.request.reviewNote).toBe("outage INC-7, access matched the runbook");

    const trail = await h.deps.audit.list(id);
    expect(trail.filter((e) => e.action === "REVIEWED")).toEqual([
      expect.objectContaining({
        actor: "dave",
        details: { note: "outage INC-7, access matched the runbook" },
      }),
    ]);
    const after = ids(await h.list(dave, { breakGlass: "", unreviewed: "" }));
    expect(after).not.toContain(id);
    expect(after).toContain(other);
  });

  it("reviews a break-glass grant after it was revoked or expired, and refuses to review an ordinary grant", async () => {
    const revoked = (await h.createRequest(alice, { entitlement: "break-glass", justification: "db down" }))
      .body.requestId as string;
    expect((await h.act("revoke", alice, revoked)).status).toBe(200);
    const expired = (await h.createRequest(alice, { entitlement: "break-glass", justification: "api down" }))
      .body.requestId as string;
    h.clock.advance(HOUR_MS);
    expect(ids(await h.list(dave, { breakGlass: "", unreviewed: "" }))).toEqual(
      expect.arrayContaining([revoked, expired]),
    );
    expect((await h.act("review", dave, revoked, { note: "ok" })).body).toMatchObject({
      status: "REVOKED",
      reviewRequired: false,
    });
    expect((await h.act("review", dave, expired, { note: "ok" })).body).toMatchObject({
      status: "EXPIRED",
      reviewRequired: false,
    });

    const ordinary = await grant("ops-read");
    const refused = await h.act("review", dave, ordinary, { note: "n/a" });
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe("invalid_state");
    expect((await h.deps.audit.list(ordinary)).map((e) => e.action)).not.toContain("REVIEWED");
  });

  it("lets an admin who is also the requester review nothing of their own", async () => {
    const adminOncall = { sub: "olga", groups: ["oncall", "jit-admins"] };
    const own = (await h.createRequest(adminOncall, { entitlement: "break-glass", justification: "mine" }))
      .body.requestId as string;
    const refused = await h.act("review", adminOncall, own, { note: "self" });
    expect(refused.status).toBe(403);
    expect(refused.body.detail).toContain("your own");
    expect(
      (await h.act("review", { ...carol, groups: [...carol.groups, "jit-admins"] }, own, { note: "ok" }))
        .status,
    ).toBe(200);
  });
});
