import { beforeAll, describe, expect, it } from "vitest";
import { authorizerEntry } from "#functions/adapters/lambda/lazy-entry.js";
import { createJitAuthorizerHandler } from "#functions/handlers/jit-authorizer.js";
import type { PublicKeySource, VerificationKey } from "#functions/ports/public-keys.js";
import { evaluatePolicy } from "#local/api-gateway/policy-evaluation.js";
import {
  API_ARN_PREFIX,
  type AuthorizerHarness,
  activeGrant,
  authorizerHarness,
  captureLogs,
  expectUnauthorized,
  httpApiEvent,
  InMemoryRequestReader,
  methodArn,
  restRequestEvent,
  restTokenEvent,
  silentLogger,
  T0_MS,
  testPolicy,
} from "#test/helpers/authorizer.js";
import { ManualClock } from "#test/helpers/clock.js";
import { generateTestKey, mintAccessToken, TEST_AUDIENCE, TEST_ISSUER } from "#test/helpers/tokens.js";

interface PolicyResult {
  principalId: string;
  policyDocument: { Version: string; Statement: { Effect: string; Action: string; Resource: string[] }[] };
  context?: Record<string, unknown>;
}

let h: AuthorizerHarness;
let requestId: string;
let token: string;

beforeAll(async () => {
  h = await authorizerHarness();
  requestId = h.grant();
  token = await h.mint({ requestId, claims: { jti: "jti-1" } });
});

describe("REST TOKEN authorizer", () => {
  it("allows with a policy naming every ARN of the entitlement on this API and stage, and a flat context", async () => {
    const result = (await h.handler(restTokenEvent(token, "GET", "/orders/42"))) as PolicyResult;
    expect(result).toEqual({
      principalId: "alice",
      policyDocument: {
        Version: "2012-10-17",
        Statement: [
          {
            Effect: "Allow",
            Action: "execute-api:Invoke",
            Resource: [`${API_ARN_PREFIX}GET/orders`, `${API_ARN_PREFIX}GET/orders/*`],
          },
        ],
      },
      context: {
        sub: "alice",
        scope: "orders-read",
        jti: "jti-1",
        requestId,
        exp: h.nowSeconds() + 900,
        breakGlass: false,
      },
    });
    for (const value of Object.values(result.context ?? {})) {
      expect(["string", "number", "boolean"]).toContain(typeof value);
    }
  });

  it("lists each verb of a method * permission, and flags break-glass grants in the context", async () => {
    const adminId = h.grant({ entitlementId: "orders-admin", breakGlass: true });
    const admin = await h.mint({
      requestId: adminId,
      claims: { scope: "orders-admin", jit_break_glass: true },
    });
    const result = (await h.handler(restTokenEvent(admin, "PATCH", "/orders/1"))) as PolicyResult;
    const resources = result.policyDocument.Statement[0]?.Resource ?? [];
    expect(resources).toHaveLength(8);
    expect(resources).toContain(`${API_ARN_PREFIX}PATCH/orders/*`);
    expect(resources).toContain(`${API_ARN_PREFIX}POST/admin/*`);
    expect(result.context?.breakGlass).toBe(true);
  });

  it("refuses a non-Bearer scheme and accepts the scheme in any case", async () => {
    await expectUnauthorized(h.handler({ ...restTokenEvent(token), authorizationToken: `Basic ${token}` }));
    await expectUnauthorized(h.handler({ ...restTokenEvent(token), authorizationToken: token }));
    const lower = (await h.handler({
      ...restTokenEvent(token),
      authorizationToken: `bearer ${token}`,
    })) as PolicyResult;
    expect(lower.policyDocument.Statement[0]?.Effect).toBe("Allow");
    const mixed = (await h.handler({
      ...restTokenEvent(token),
      authorizationToken: `bEaReR  ${token}`,
    })) as PolicyResult;
    expect(mixed.policyDocument.Statement[0]?.Effect).toBe("Allow");
  });

  it("refuses look-alike schemes and tokens with a space or comma", async () => {
    for (const value of [
      `B\u0435arer ${token}`, // Cyrillic e
      `Bearer\u00a0${token}`,
      `Bearer ${token} `,
      `Bearer ${token},${token}`,
      `Bearer${token}`,
      "Bearer ",
    ]) {
      await expectUnauthorized(h.handler({ ...restTokenEvent(token), authorizationToken: value }));
    }
  });
});

describe("REST REQUEST authorizer", () => {
  it("allows with the same policy as a TOKEN authorizer", async () => {
    const result = (await h.handler(restRequestEvent(token, "GET", "/orders"))) as PolicyResult;
    expect(result.principalId).toBe("alice");
    expect(result.policyDocument.Statement[0]?.Effect).toBe("Allow");
  });

  it("reads the Authorization header in any case", async () => {
    const event = restRequestEvent(token);
    const { Authorization, ...rest } = event.headers as Record<string, string>;
    const result = (await h.handler({
      ...event,
      headers: { ...rest, authorization: Authorization },
      multiValueHeaders: undefined,
    })) as PolicyResult;
    expect(result.policyDocument.Statement[0]?.Effect).toBe("Allow");
  });

  it("finds the Authorization header only under its own name, in any case, in either map", async () => {
    const event = restRequestEvent(token);
    const { Authorization, ...rest } = event.headers as Record<string, string>;
    const allowedWith = async (headers: object, multiValueHeaders: object | undefined) => {
      const result = (await h.handler({ ...event, headers, multiValueHeaders })) as PolicyResult;
      return result.policyDocument.Statement[0]?.Effect === "Allow";
    };
    expect(await allowedWith({ ...rest, AUTHORIZATION: Authorization }, undefined)).toBe(true);
    expect(await allowedWith(rest, { aUtHoRiZaTiOn: [Authorization] })).toBe(true);
    // The same value in both maps is one header; a name that is not Authorization carries nothing.
    expect(await allowedWith({ authorization: Authorization }, { Authorization: [Authorization] })).toBe(
      true,
    );
    for (const headers of [
      { ...rest, Authorizations: Authorization },
      { ...rest, "x-authorization": Authorization },
    ]) {
      await expectUnauthorized(h.handler({ ...event, headers, multiValueHeaders: undefined }));
    }
    await expectUnauthorized(
      h.handler({ ...event, headers: rest, multiValueHeaders: { authorization: Authorization } }),
    );
  });

  it("refuses a request carrying two Authorization headers", async () => {
    const event = restRequestEvent(token);
    const other = await h.mint({ requestId });
    await expectUnauthorized(
      h.handler({ ...event, headers: { ...(event.headers as object), authorization: `Bearer ${other}` } }),
    );
    await expectUnauthorized(
      h.handler({ ...event, multiValueHeaders: { Authorization: [`Bearer ${token}`, `Bearer ${other}`] } }),
    );
  });

  it("refuses an event whose httpMethod differs from its methodArn", async () => {
    await expectUnauthorized(h.handler({ ...restRequestEvent(token), httpMethod: "DELETE" }));
  });
});

describe("HTTP API payload 2.0 authorizer", () => {
  it("answers a simple response with a real boolean", async () => {
    const allowed = await h.handler(httpApiEvent(token, "GET", "/orders/42"));
    expect(allowed).toEqual({
      isAuthorized: true,
      context: {
        sub: "alice",
        scope: "orders-read",
        jti: "jti-1",
        requestId,
        exp: h.nowSeconds() + 900,
        breakGlass: false,
      },
    });
    const denied = await h.handler(httpApiEvent(token, "POST", "/orders/42"));
    expect(denied).toEqual({ isAuthorized: false, context: {} });
    expect(typeof (denied as { isAuthorized: unknown }).isAuthorized).toBe("boolean");
  });

  it("refuses an event whose http.method differs from its routeArn", async () => {
    const event = httpApiEvent(token);
    const context = event.requestContext as Record<string, unknown>;
    await expectUnauthorized(
      h.handler({
        ...event,
        requestContext: { ...context, http: { ...(context.http as object), method: "DELETE" } },
      }),
    );
  });
});

describe("unrecognised events", () => {
  it.each<[string, unknown]>([
    ["null", null],
    ["an array", []],
    ["an empty object", {}],
    ["a TOKEN event without methodArn", { type: "TOKEN", authorizationToken: "Bearer x" }],
    [
      "a TOKEN event with a routeArn",
      { type: "TOKEN", authorizationToken: "Bearer x", routeArn: methodArn("GET", "/") },
    ],
    [
      "an HTTP API payload 1.0 event",
      { version: "1.0", type: "REQUEST", methodArn: methodArn("GET", "/"), httpMethod: "GET" },
    ],
    [
      "a 2.0 event without requestContext.http",
      { version: "2.0", type: "REQUEST", routeArn: methodArn("GET", "/") },
    ],
    [
      "a methodArn with a wildcard API id",
      {
        type: "TOKEN",
        authorizationToken: "Bearer x",
        methodArn: "arn:aws:execute-api:us-east-1:123456789012:*/prod/GET/orders/1",
      },
    ],
    ["a websocket-style event", { type: "REQUEST", methodArn: `${API_ARN_PREFIX}$connect`, headers: {} }],
  ])("answers Unauthorized to %s", async (_, event) => {
    await expectUnauthorized(h.handler(event));
  });
});

describe("grant checks", () => {
  const cases: [
    string,
    (nowMs: number) => Parameters<AuthorizerHarness["grant"]>[0],
    Record<string, unknown>?,
  ][] = [
    ["a revoked grant", () => ({ status: "REVOKED" })],
    ["a pending request", () => ({ status: "PENDING" })],
    ["a denied request", () => ({ status: "DENIED" })],
    [
      "a grant whose expiresAt passed 60 s ago but which is still stored (H15)",
      (nowMs) => ({ expiresAt: new Date(nowMs - 60_000).toISOString() }),
    ],
    ["a grant that has not started yet", (nowMs) => ({ grantedAt: new Date(nowMs + 60_000).toISOString() })],
    ["someone else's grant", () => ({ requester: "bob" })],
    ["a grant of another entitlement than the token's scope", () => ({ entitlementId: "orders-admin" })],
    ["a grant for another audience", () => ({ audience: "payments-api" })],
    ["a grant whose entitlement left the policy", () => ({ entitlementId: "retired" }), { scope: "retired" }],
    [
      "a grant whose entitlement now opens another API",
      () => ({ entitlementId: "payments-read" }),
      { scope: "payments-read" },
    ],
  ];
  it.each(cases)("denies %s", async (_, overrides, claims) => {
    const id = h.grant(overrides(h.clock.nowMs()));
    const t = await h.mint({ requestId: id, claims: claims ?? {} });
    const result = (await h.handler(restTokenEvent(t))) as PolicyResult;
    // The Deny covers every route of the API and stage: API Gateway caches it by token, so it must
    // refuse any later route too.
    const everyRoute = methodArn("GET", "/orders/42").replace(/GET\/orders\/42$/, "*");
    expect(result.policyDocument.Statement).toEqual([
      { Effect: "Deny", Action: "execute-api:Invoke", Resource: [everyRoute] },
    ]);
    expect(evaluatePolicy(result.policyDocument, methodArn("GET", "/orders"))).toBe("Deny");
    expect(await h.handler(httpApiEvent(t))).toEqual({ isAuthorized: false, context: {} });
  });

  it("denies a token whose grant does not exist", async () => {
    const t = await h.mint({ requestId: "no-such-request" });
    const result = (await h.handler(restTokenEvent(t))) as PolicyResult;
    expect(result.policyDocument.Statement[0]?.Effect).toBe("Deny");
    expect(await h.decide(t)).toMatchObject({ outcome: "deny", reason: "grant_not_found" });
  });
});

describe("logging", () => {
  it("logs the reason code, jti, sub and request id, and never the token", async () => {
    const store = new InMemoryRequestReader();
    const tokens: string[] = [];
    const { entries, text } = await captureLogs(async (logger) => {
      const key = await generateTestKey();
      const clock = new ManualClock(T0_MS);
      const handler = createJitAuthorizerHandler({
        keys: [key.verificationKey],
        reader: store,
        policy: testPolicy(),
        audience: TEST_AUDIENCE,
        issuer: TEST_ISSUER,
        revocationCacheSeconds: 30,
        clock,
        logger,
      });
      store.put(activeGrant("req-log", T0_MS));
      const nowSeconds = T0_MS / 1000;
      const good = await mintAccessToken({
        key,
        nowSeconds,
        requestId: "req-log",
        claims: { jti: "jti-log" },
      });
      const bad = await mintAccessToken({ key, nowSeconds, requestId: "req-log", header: { alg: "none" } });
      await handler(restTokenEvent(good));
      await handler(restTokenEvent(good, "DELETE", "/orders/1"));
      await handler(restTokenEvent(bad)).catch(() => undefined);
      tokens.push(good, bad);
    }, "DEBUG");
    expect(tokens).toHaveLength(2);
    for (const t of tokens) for (const segment of t.split(".")) expect(text).not.toContain(segment);
    expect(text).not.toContain("eyJ");
    expect(entries.map((e) => [e.decision, e.reason])).toEqual([
      ["allow", "allowed"],
      ["deny", "route_not_covered"],
      ["unauthorized", "alg_not_allowed"],
    ]);
    expect(entries[1]).toMatchObject({ jti: "jti-log", sub: "alice", requestId: "req-log" });
    // Allowed calls are DEBUG (the hot path; API Gateway's access log has them), denies INFO, and a forged
    // token a warning (it is what an attack looks like).
    expect(entries.map((e) => e.level)).toEqual(["DEBUG", "INFO", "WARN"]);
  });
});

describe("H10 key fetch throttled at cold start", () => {
  it("answers Unauthorized while keys cannot be loaded, loads them once afterwards, and never calls KMS per request", async () => {
    const key = await generateTestKey();
    const store = new InMemoryRequestReader();
    store.put(activeGrant("req-kms", T0_MS));
    let loads = 0;
    let throttled = true;
    const source: PublicKeySource = {
      async load(): Promise<VerificationKey[]> {
        loads++;
        if (throttled) throw Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException" });
        return [key.verificationKey];
      },
    };
    const clock = new ManualClock(T0_MS);
    const handler = authorizerEntry(
      async () =>
        createJitAuthorizerHandler({
          keys: await source.load(),
          reader: store,
          policy: testPolicy(),
          audience: TEST_AUDIENCE,
          issuer: TEST_ISSUER,
          revocationCacheSeconds: 30,
          clock,
          logger: silentLogger(),
        }),
      silentLogger(),
    );
    const t = await mintAccessToken({ key, nowSeconds: T0_MS / 1000, requestId: "req-kms" });
    await expectUnauthorized(handler(restTokenEvent(t)));
    await expectUnauthorized(handler(httpApiEvent(t)));
    expect(loads).toBe(2);
    throttled = false;
    for (let i = 0; i < 25; i++) {
      const result = (await handler(restTokenEvent(t))) as PolicyResult;
      expect(result.policyDocument.Statement[0]?.Effect).toBe("Allow");
    }
    expect(loads).toBe(3);
  });
});
