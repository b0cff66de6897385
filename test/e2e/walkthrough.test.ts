import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalStack } from "#local/stack.js";
import {
  accessToken,
  callDemo,
  http,
  type JitUser,
  jitUser,
  startTestStack,
  waitUntil,
} from "./local-stack-client.js";

let stack: LocalStack;
let alice: JitUser;
let bob: JitUser;

beforeAll(async () => {
  stack = await startTestStack();
  [alice, bob] = await Promise.all([jitUser(stack, "alice"), jitUser(stack, "bob")]);
});

afterAll(async () => {
  await stack?.stop();
});

describe("local stack walkthrough", () => {
  it("requests as alice, approves as bob, calls the demo API, is refused off-grant, and after revoke within the bound", async () => {
    const created = await alice.call<{ requestId: string; status: string }>("POST", "/requests", {
      entitlement: "orders-admin",
      justification: "fix a stuck order",
      ticket: "INC-42",
    });
    expect(created.status).toBe(201);
    expect(created.body.status).toBe("PENDING");
    const id = created.body.requestId;

    // Not approved yet: no token.
    expect((await alice.call("POST", `/requests/${id}/token`)).status).toBeGreaterThanOrEqual(400);

    const approved = await bob.call<{ status: string }>("POST", `/requests/${id}/approve`, { comment: "ok" });
    expect(approved.status).toBe(200);
    expect(approved.body.status).toBe("APPROVED");

    const token = await accessToken(alice, id);
    const allowed = await callDemo(stack, token, "GET", "/orders/ord-1001");
    expect(allowed.status).toBe(200);
    expect(allowed.body).toMatchObject({
      order: { id: "ord-1001" },
      caller: { principalId: "alice", scope: "orders-admin", requestId: id },
    });
    expect((await callDemo(stack, token, "DELETE", "/orders/ord-1002")).status).toBe(200);

    // orders-admin does not open the payments routes.
    const offGrant = await callDemo(stack, token, "POST", "/payments/pay-2001/refund");
    expect(offGrant.status).toBe(403);
    expect(String(offGrant.body.message)).toMatch(/^User is not authorized to access this resource/);

    const revoked = await alice.call<{ status: string }>("POST", `/requests/${id}/revoke`, {
      reason: "done",
    });
    expect(revoked.status).toBe(200);
    expect(revoked.body.status).toBe("REVOKED");
    const revokedAt = Date.now();

    const boundMs = stack.revocationBoundSeconds * 1000;
    const refusedAfterMs = await waitUntil(
      async () => (await callDemo(stack, token, "GET", "/orders/ord-1001")).status === 403,
      boundMs + 5_000,
    );
    expect(refusedAfterMs).toBeDefined();
    // The bound is a guarantee: every call that starts once it has passed since the revoke is refused
    // (each cache entry was filled before the revoke and lives at most its TTL).
    const waitMs = revokedAt + boundMs - Date.now();
    if (waitMs > 0) await new Promise((r) => setTimeout(r, waitMs));
    for (const path of ["/orders/ord-1001", "/orders", "/orders/ord-1002"]) {
      expect((await callDemo(stack, token, "GET", path)).status).toBe(403);
    }
    // A revoked grant gets no new token either.
    expect((await alice.call("POST", `/requests/${id}/token`)).status).toBeGreaterThanOrEqual(400);

    // The audit trail lists every step, oldest first.
    const audit = await alice.call<{ events: { action: string; actor: string }[] }>(
      "GET",
      `/requests/${id}/audit`,
    );
    expect(audit.status).toBe(200);
    expect(audit.body.events.map((e) => `${e.action}:${e.actor}`)).toEqual([
      "REQUESTED:alice",
      "APPROVED:bob",
      "TOKEN_ISSUED:alice",
      "REVOKED:alice",
    ]);
  });
});

describe("JIT API through the emulator", () => {
  it("serves the public well-known documents without identity, naming the local issuer", async () => {
    const metadata = await http(`${stack.endpoints.jitApi}/.well-known/oauth-authorization-server`);
    expect(metadata.status).toBe(200);
    expect(metadata.body).toMatchObject({
      issuer: stack.endpoints.jitApi,
      jwks_uri: `${stack.endpoints.jitApi}/.well-known/jwks.json`,
    });
    const jwks = await http<{ keys: { kid: string }[] }>(`${stack.endpoints.jitApi}/.well-known/jwks.json`);
    expect(jwks.status).toBe(200);
    expect(jwks.body.keys.length).toBeGreaterThan(0);
  });

  it("answers API Gateway's 401 without an identity token and 403 for an unknown route", async () => {
    expect(await http(`${stack.endpoints.jitApi}/requests?mine`)).toMatchObject({
      status: 401,
      body: { message: "Unauthorized" },
    });
    expect(await http(`${stack.endpoints.jitApi}/requests`, { bearer: "not-a-jwt" })).toMatchObject({
      status: 401,
      body: { message: "Unauthorized" },
    });
    expect(await http(`${stack.endpoints.jitApi}/nothing-here`, { bearer: alice.idToken })).toMatchObject({
      status: 403,
      body: { message: "Missing Authentication Token" },
    });
  });

  it("refuses an identity token on the demo API and an access token on the JIT API", async () => {
    expect((await callDemo(stack, alice.idToken, "GET", "/orders")).status).toBe(401);
    const created = await alice.call<{ requestId: string }>("POST", "/requests", {
      entitlement: "orders-read",
    });
    const token = await accessToken(alice, created.body.requestId);
    expect((await http(`${stack.endpoints.jitApi}/entitlements`, { bearer: token })).status).toBe(401);
  });

  it("answers 413 for a body over the limit, before any handler runs", async () => {
    const big = "x".repeat(300 * 1024);
    const answer = await http(`${stack.endpoints.jitApi}/requests`, {
      method: "POST",
      bearer: alice.idToken,
      body: { entitlement: "orders-read", justification: big },
    });
    expect(answer).toMatchObject({ status: 413, body: { message: "Request Too Long" } });
  });

  it("passes ?mine as a query parameter with an empty value, so listing works", async () => {
    const created = await alice.call<{ requestId: string }>("POST", "/requests", {
      entitlement: "orders-read",
    });
    const mine = await alice.call<{ requests: { requestId: string }[] }>("GET", "/requests?mine");
    expect(mine.status).toBe(200);
    expect(mine.body.requests.map((r) => r.requestId)).toContain(created.body.requestId);
  });
});
