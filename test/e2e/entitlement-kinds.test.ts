import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalStack } from "#local/stack.js";
import { accessToken, callDemo, type JitUser, jitUser, startTestStack } from "./local-stack-client.js";

let stack: LocalStack;
let alice: JitUser;
let bob: JitUser;
let carol: JitUser;

beforeAll(async () => {
  stack = await startTestStack();
  [alice, bob, carol] = await Promise.all([
    jitUser(stack, "alice"),
    jitUser(stack, "bob"),
    jitUser(stack, "carol"),
  ]);
});

afterAll(async () => {
  await stack?.stop();
});

type RequestBody = {
  requestId: string;
  status: string;
  approvals: { approver: string }[];
  breakGlass: boolean;
};

describe("two-approver entitlement (payments-refund, minApprovals 2)", () => {
  it("stays pending after one approval, refuses the requester and a repeated approver, opens after the second", async () => {
    const created = await alice.call<RequestBody>("POST", "/requests", {
      entitlement: "payments-refund",
      justification: "customer refund",
    });
    expect(created.status).toBe(201);
    const id = created.body.requestId;

    const own = await alice.call("POST", `/requests/${id}/approve`, {});
    expect(own.status).toBe(403);

    const first = await bob.call<RequestBody>("POST", `/requests/${id}/approve`, {});
    expect(first.status).toBe(200);
    expect(first.body.status).toBe("PENDING");
    expect(first.body.approvals.map((a) => a.approver)).toEqual(["bob"]);

    // One approval is not enough: no token yet.
    expect((await alice.call("POST", `/requests/${id}/token`)).status).toBeGreaterThanOrEqual(400);
    // The same approver does not count twice.
    expect((await bob.call("POST", `/requests/${id}/approve`, {})).status).toBe(409);

    const second = await carol.call<RequestBody>("POST", `/requests/${id}/approve`, {});
    expect(second.status).toBe(200);
    expect(second.body.status).toBe("APPROVED");

    const token = await accessToken(alice, id);
    expect((await callDemo(stack, token, "GET", "/payments/pay-2001")).status).toBe(200);
    const refund = await callDemo(stack, token, "POST", "/payments/pay-2001/refund");
    expect(refund.status).toBe(200);
    expect(refund.body).toMatchObject({
      refund: { paymentId: "pay-2001" },
      caller: { scope: "payments-refund" },
    });
    expect((await callDemo(stack, token, "GET", "/orders")).status).toBe(403);

    const audit = await alice.call<{ events: { action: string; actor: string }[] }>(
      "GET",
      `/requests/${id}/audit`,
    );
    expect(audit.body.events.map((e) => `${e.action}:${e.actor}`)).toEqual([
      "REQUESTED:alice",
      "APPROVAL_RECORDED:bob",
      "APPROVED:carol",
      "TOKEN_ISSUED:alice",
    ]);
  });

  it("refuses the requester's own approval even when the requester is an approver", async () => {
    const created = await bob.call<RequestBody>("POST", "/requests", {
      entitlement: "orders-admin",
      justification: "own change",
      ticket: "INC-7",
    });
    expect(created.status).toBe(201);
    const own = await bob.call<{ code: string }>("POST", `/requests/${created.body.requestId}/approve`, {});
    expect(own.status).toBe(403);
    expect(own.body.code).toBe("self_approval");
  });
});

describe("auto-approve entitlement (orders-read)", () => {
  it("is approved at creation, audited as such, and opens only its routes", async () => {
    const created = await alice.call<RequestBody>("POST", "/requests", { entitlement: "orders-read" });
    expect(created.status).toBe(201);
    expect(created.body.status).toBe("APPROVED");
    const token = await accessToken(alice, created.body.requestId);
    expect((await callDemo(stack, token, "GET", "/orders")).status).toBe(200);
    expect((await callDemo(stack, token, "GET", "/orders/ord-1001")).status).toBe(200);
    expect((await callDemo(stack, token, "POST", "/orders", { item: "cable", quantity: 1 })).status).toBe(
      403,
    );
    const audit = await alice.call<{ events: { action: string }[] }>(
      "GET",
      `/requests/${created.body.requestId}/audit`,
    );
    expect(audit.body.events.map((e) => e.action).slice(0, 2)).toEqual(["REQUESTED", "AUTO_APPROVED"]);
  });
});

describe("break-glass entitlement (orders-break-glass)", () => {
  it("is granted immediately, flagged on the grant and in the token, and audited", async () => {
    const created = await alice.call<RequestBody>("POST", "/requests", {
      entitlement: "orders-break-glass",
      justification: "orders API is down",
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ status: "APPROVED", breakGlass: true });
    const token = await accessToken(alice, created.body.requestId);
    const call = await callDemo(stack, token, "POST", "/admin/reindex");
    expect(call.status).toBe(202);
    expect(call.body).toMatchObject({ caller: { breakGlass: "true", scope: "orders-break-glass" } });
    const audit = await alice.call<{ events: { action: string }[] }>(
      "GET",
      `/requests/${created.body.requestId}/audit`,
    );
    expect(audit.body.events.map((e) => e.action)).toContain("BREAK_GLASS_GRANTED");
  });

  it("refuses break-glass to someone outside its eligible group", async () => {
    const created = await bob.call("POST", "/requests", {
      entitlement: "orders-break-glass",
      justification: "not on call",
    });
    expect(created.status).toBe(403);
  });
});
