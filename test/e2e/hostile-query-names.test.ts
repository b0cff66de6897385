import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { JIT_API_ROUTES } from "#functions/adapters/http/jit-api-routes.js";
import { DEMO_ORDERS_ROUTES } from "#local/demo-orders-routes.js";
import type { LocalStack } from "#local/stack.js";
import { accessToken, http, type JitUser, jitUser, startTestStack } from "./local-stack-client.js";

/** Query strings whose names are members of `Object.prototype` (hostile case H27). */
const HOSTILE_QUERIES = [
  "toString",
  "__proto__",
  "constructor&mine",
  "hasOwnProperty",
  "valueOf&pending",
  "__proto__[x]=1&toString=2&constructor=3",
] as const;

/** The same names as headers: the emulator builds its header maps the same way. */
const HOSTILE_HEADERS = { __proto__: "x", toString: "y", constructor: "z", valueOf: "1" };

/** A JWT-shaped token signed by nobody we trust: right shape, wrong signature. */
function forgedToken(): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
  const now = Math.floor(Date.now() / 1000);
  return [
    part({ alg: "ES256", typ: "at+jwt", kid: "forged" }),
    part({ iss: "http://127.0.0.1", sub: "mallory", aud: "orders-api", iat: now, exp: now + 600, jti: "x" }),
    Buffer.alloc(64, 7).toString("base64url"),
  ].join(".");
}

let stack: LocalStack;
let alice: JitUser;
let requestId: string;
let token: string;

beforeAll(async () => {
  stack = await startTestStack();
  alice = await jitUser(stack, "alice");
  const bob = await jitUser(stack, "bob");
  const created = await alice.call<{ requestId: string }>("POST", "/requests", {
    entitlement: "orders-admin",
    justification: "H27 probe",
    ticket: "INC-27",
  });
  expect(created.status).toBe(201);
  requestId = created.body.requestId;
  expect((await bob.call("POST", `/requests/${requestId}/approve`, {})).status).toBe(200);
  token = await accessToken(alice, requestId);
});

afterAll(async () => {
  await stack?.stop();
});

/** `resource` with its path parameter filled in. */
function concrete(resource: string, id: string): string {
  return resource.replace(/\{[^}]+\}/g, id);
}

describe("H27 query and header names from Object.prototype", () => {
  it("H27: every JIT API route answers 2xx/4xx (never 5xx) for each hostile query string", async () => {
    const seen: string[] = [];
    // Reads first, then token issue, then the transitions, so each route still meets a live request.
    const order = (method: string, path: string) =>
      method === "GET" ? 0 : path.endsWith("/token") ? 1 : path.endsWith("/revoke") ? 3 : 2;
    const routes = [...JIT_API_ROUTES].sort((a, b) => order(a.method, a.path) - order(b.method, b.path));
    for (const route of routes) {
      for (const query of HOSTILE_QUERIES) {
        const url = `${stack.endpoints.jitApi}${concrete(route.path, requestId)}?${query}`;
        const answer = await http(url, {
          method: route.method,
          bearer: alice.idToken,
          body: route.method === "POST" ? {} : undefined,
          headers: HOSTILE_HEADERS,
        });
        seen.push(`${route.method} ${route.path}?${query} → ${answer.status}`);
        expect(
          answer.status,
          `${route.method} ${route.path}?${query}: ${JSON.stringify(answer.body)}`,
        ).toBeLessThan(500);
        expect(typeof answer.body, `${route.method} ${route.path}?${query} answers JSON`).toBe("object");
      }
    }
    expect(seen.length).toBe(JIT_API_ROUTES.length * HOSTILE_QUERIES.length);
  });

  it("H27: a list with ?constructor&mine&all still lists the caller's own requests", async () => {
    const answer = await http<{ requests: { requestId: string }[] }>(
      `${stack.endpoints.jitApi}/requests?constructor&mine&all`,
      { bearer: alice.idToken },
    );
    expect(answer.status).toBe(200);
    expect(answer.body.requests.map((r) => r.requestId)).toContain(requestId);
  });

  it("H27: every demo API route answers 2xx/4xx (never 5xx) for each hostile query string, with a valid token", async () => {
    // A fresh grant: the previous test may have revoked the first one.
    const bob = await jitUser(stack, "bob");
    const created = await alice.call<{ requestId: string }>("POST", "/requests", {
      entitlement: "orders-admin",
      justification: "H27 demo probe",
      ticket: "INC-27",
    });
    await bob.call("POST", `/requests/${created.body.requestId}/approve`, {});
    token = await accessToken(alice, created.body.requestId);
    for (const route of DEMO_ORDERS_ROUTES) {
      for (const query of HOSTILE_QUERIES) {
        const path = concrete(
          route.resource,
          route.resource.startsWith("/payments") ? "pay-2001" : "ord-1002",
        );
        const answer = await http(`${stack.endpoints.demoApi}${path}?${query}`, {
          method: route.method,
          bearer: token,
          body: route.method === "POST" ? { item: "cable", quantity: 1 } : undefined,
          headers: HOSTILE_HEADERS,
        });
        expect(
          answer.status,
          `${route.method} ${path}?${query}: ${JSON.stringify(answer.body)}`,
        ).toBeLessThan(500);
      }
    }
    const allowed = await http(`${stack.endpoints.demoApi}/orders?toString`, { bearer: token });
    expect(allowed.status).toBe(200);
  });

  it("H27: a forged token on /orders?toString is 401, and on every demo route with each hostile query never 2xx or 5xx", async () => {
    const forged = forgedToken();
    const answer = await http(`${stack.endpoints.demoApi}/orders?toString`, { bearer: forged });
    expect(answer.status).toBe(401);
    expect(answer.body).toEqual({ message: "Unauthorized" });
    for (const route of DEMO_ORDERS_ROUTES) {
      for (const query of HOSTILE_QUERIES) {
        const path = concrete(route.resource, "ord-1001");
        const refused = await http(`${stack.endpoints.demoApi}${path}?${query}`, {
          method: route.method,
          bearer: forged,
          headers: HOSTILE_HEADERS,
        });
        expect(refused.status, `${route.method} ${path}?${query}`).toBe(401);
      }
    }
  });

  it("H27: a forged identity token on the JIT API with ?toString is 401", async () => {
    const answer = await http(`${stack.endpoints.jitApi}/requests?toString&mine`, { bearer: forgedToken() });
    expect(answer.status).toBe(401);
  });
});
