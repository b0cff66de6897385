import type { APIGatewayProxyEvent, APIGatewayRequestAuthorizerEvent } from "aws-lambda";
import { describe, expect, it } from "vitest";
import { AuthorizerResultCache, validateAuthorizerResponse } from "#local/api-gateway/authorizer.js";
import type { GatewayRequest } from "#local/api-gateway/proxy-event.js";
import { RestApi, type RestRoute } from "#local/api-gateway/rest-api.js";
import type { RouteDefinition } from "#local/api-gateway/routes.js";

const PREFIX = "arn:aws:execute-api:us-east-1:000000000000:api1/local";

function request(
  method: string,
  url: string,
  headers: Record<string, string> = {},
  body = "",
): GatewayRequest {
  const q = url.indexOf("?");
  return {
    method,
    rawPath: q === -1 ? url : url.slice(0, q),
    rawQuery: q === -1 ? "" : url.slice(q + 1),
    rawHeaders: Object.entries(headers).flat(),
    body: Buffer.from(body),
    sourceIp: "127.0.0.1",
    host: "127.0.0.1:4001",
  };
}

/** An authorizer that answers by the bearer value, and records what it was called with. */
function scriptedAuthorizer(ttlSeconds: number) {
  const calls: APIGatewayRequestAuthorizerEvent[] = [];
  return {
    calls,
    authorizer: {
      name: "test",
      identityHeaders: ["Authorization"],
      resultTtlSeconds: ttlSeconds,
      async invoke(event: APIGatewayRequestAuthorizerEvent) {
        calls.push(event);
        const token = (event.headers?.Authorization ?? event.headers?.authorization ?? "").replace(
          "Bearer ",
          "",
        );
        switch (token) {
          case "orders":
            return {
              principalId: "alice",
              policyDocument: {
                Version: "2012-10-17",
                Statement: [
                  { Effect: "Allow", Action: "execute-api:Invoke", Resource: [`${PREFIX}/GET/orders/*`] },
                ],
              },
              context: { sub: "alice", breakGlass: true, exp: 42 },
            };
          case "deny-one":
            return {
              principalId: "alice",
              policyDocument: {
                Version: "2012-10-17",
                Statement: [
                  { Effect: "Allow", Action: "execute-api:Invoke", Resource: [`${PREFIX}/GET/orders/*`] },
                  { Effect: "Deny", Action: "execute-api:Invoke", Resource: [`${PREFIX}/GET/orders/2`] },
                ],
              },
            };
          case "nested-context":
            return {
              principalId: "alice",
              policyDocument: { Version: "2012-10-17", Statement: [] },
              context: { groups: ["a"] },
            };
          case "crash":
            throw new TypeError("cannot read properties of undefined");
          default:
            throw new Error("Unauthorized");
        }
      },
    },
  };
}

function api(ttlSeconds = 300, nowMs: () => number = Date.now) {
  const { authorizer, calls } = scriptedAuthorizer(ttlSeconds);
  const events: APIGatewayProxyEvent[] = [];
  const echo = async (event: APIGatewayProxyEvent) => {
    events.push(event);
    return {
      statusCode: 200,
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ ok: 1 }),
    };
  };
  const routes: RouteDefinition<RestRoute>[] = [
    { method: "GET", resource: "/orders/{id}", target: { integration: echo, authorizer } },
    { method: "DELETE", resource: "/orders/{id}", target: { integration: echo, authorizer } },
    { method: "GET", resource: "/public", target: { integration: echo } },
    {
      method: "GET",
      resource: "/broken",
      target: {
        integration: async () => {
          throw new Error("boom");
        },
      },
    },
    { method: "GET", resource: "/malformed", target: { integration: async () => ({ body: "no status" }) } },
    { method: "GET", resource: "/slow", target: { integration: () => new Promise(() => undefined) } },
  ];
  const gateway = new RestApi({
    location: { apiId: "api1", stage: "local" },
    routes,
    integrationTimeoutMs: 50,
    nowMs,
  });
  return { gateway, calls, events };
}

async function call(gateway: RestApi, req: GatewayRequest) {
  const response = await gateway.handle(req);
  return {
    status: response.statusCode,
    body: JSON.parse(response.body.toString() || "null"),
    headers: response.headers,
  };
}

describe("API Gateway emulator: REST API answers", () => {
  it("answers an unknown route or method with 403 Missing Authentication Token", async () => {
    const { gateway } = api();
    expect(await call(gateway, request("GET", "/nope"))).toMatchObject({
      status: 403,
      body: { message: "Missing Authentication Token" },
    });
    expect((await call(gateway, request("PUT", "/orders/1"))).status).toBe(403);
  });

  it("answers 401 without calling the authorizer when the identity source is missing or empty", async () => {
    const { gateway, calls } = api();
    expect(await call(gateway, request("GET", "/orders/1"))).toMatchObject({
      status: 401,
      body: { message: "Unauthorized" },
    });
    expect((await call(gateway, request("GET", "/orders/1", { Authorization: " " }))).status).toBe(401);
    expect(calls).toHaveLength(0);
  });

  it("answers 401 when the authorizer throws Unauthorized", async () => {
    const { gateway } = api();
    expect(await call(gateway, request("GET", "/orders/1", { Authorization: "Bearer nope" }))).toMatchObject({
      status: 401,
      body: { message: "Unauthorized" },
    });
  });

  it("answers 500 with message null when the authorizer crashes or returns a nested context", async () => {
    const { gateway } = api();
    for (const token of ["crash", "nested-context"]) {
      const res = await call(gateway, request("GET", "/orders/1", { Authorization: `Bearer ${token}` }));
      expect(res).toMatchObject({ status: 500, body: { message: null } });
      expect(res.headers["x-amzn-ErrorType"]).toBe("AuthorizerConfigurationException");
    }
  });

  it("answers 403 with an explicit deny message when a Deny matches, even next to an Allow", async () => {
    const { gateway } = api();
    expect(
      await call(gateway, request("GET", "/orders/2", { Authorization: "Bearer deny-one" })),
    ).toMatchObject({
      status: 403,
      body: { message: "User is not authorized to access this resource with an explicit deny" },
    });
    expect(
      (await call(gateway, request("GET", "/orders/1", { Authorization: "Bearer deny-one" }))).status,
    ).toBe(200);
  });

  it("sends the REQUEST authorizer event API Gateway sends, with the concrete methodArn", async () => {
    const { gateway, calls } = api();
    await call(gateway, request("GET", "/orders/7?x=1", { Authorization: "Bearer orders" }));
    expect(calls[0]).toMatchObject({
      type: "REQUEST",
      methodArn: `${PREFIX}/GET/orders/7`,
      resource: "/orders/{id}",
      path: "/orders/7",
      httpMethod: "GET",
      pathParameters: { id: "7" },
      queryStringParameters: { x: "1" },
      headers: { Authorization: "Bearer orders" },
      requestContext: { stage: "local", resourcePath: "/orders/{id}" },
    });
  });

  it("passes the authorizer context to the integration as strings, with principalId", async () => {
    const { gateway, events } = api();
    const res = await call(gateway, request("GET", "/orders/1", { Authorization: "Bearer orders" }));
    expect(res.status).toBe(200);
    expect(events[0]?.requestContext.authorizer).toMatchObject({
      sub: "alice",
      breakGlass: "true",
      exp: "42",
      principalId: "alice",
    });
  });

  it("reuses a cached policy across routes, evaluating it against each new methodArn", async () => {
    const { gateway, calls } = api();
    const auth = { Authorization: "Bearer orders" };
    expect((await call(gateway, request("GET", "/orders/1", auth))).status).toBe(200);
    expect((await call(gateway, request("GET", "/orders/2", auth))).status).toBe(200);
    expect(calls).toHaveLength(1);
    // The cached policy does not cover DELETE: implicit deny, still without a new invocation.
    expect(await call(gateway, request("DELETE", "/orders/1", auth))).toMatchObject({
      status: 403,
      body: { message: "User is not authorized to access this resource" },
    });
    expect(calls).toHaveLength(1);
  });

  it("calls the authorizer again once the result cache TTL has passed", async () => {
    let now = 1_000_000;
    const { gateway, calls } = api(5, () => now);
    const auth = { Authorization: "Bearer orders" };
    await call(gateway, request("GET", "/orders/1", auth));
    now += 4_999;
    await call(gateway, request("GET", "/orders/1", auth));
    expect(calls).toHaveLength(1);
    now += 1;
    await call(gateway, request("GET", "/orders/1", auth));
    expect(calls).toHaveLength(2);
  });

  it("does not cache when the TTL is 0", async () => {
    const { gateway, calls } = api(0);
    const auth = { Authorization: "Bearer orders" };
    await call(gateway, request("GET", "/orders/1", auth));
    await call(gateway, request("GET", "/orders/1", auth));
    expect(calls).toHaveLength(2);
  });

  it("serves a public route without an authorizer and with a null authorizer context", async () => {
    const { gateway, events } = api();
    expect((await call(gateway, request("GET", "/public?mine"))).status).toBe(200);
    expect(events[0]?.requestContext.authorizer).toBeNull();
    expect(events[0]?.queryStringParameters).toEqual({ mine: "" });
  });

  it("answers 502 when the integration throws or returns a malformed result, 504 on timeout", async () => {
    const { gateway } = api();
    expect(await call(gateway, request("GET", "/broken"))).toMatchObject({
      status: 502,
      body: { message: "Internal server error" },
    });
    expect((await call(gateway, request("GET", "/malformed"))).status).toBe(502);
    expect(await call(gateway, request("GET", "/slow"))).toMatchObject({
      status: 504,
      body: { message: "Endpoint request timed out" },
    });
  });
});

describe("authorizer response validation", () => {
  it("accepts a principal, a policy document and a flat context", () => {
    expect(
      validateAuthorizerResponse({
        principalId: "p",
        policyDocument: { Version: "2012-10-17", Statement: [] },
        context: { a: "x", b: 1, c: false },
      }),
    ).toMatchObject({ principalId: "p", context: { a: "x", b: 1, c: false } });
  });

  it("refuses what API Gateway refuses", () => {
    expect(validateAuthorizerResponse(null)).toBeTypeOf("string");
    expect(validateAuthorizerResponse({ policyDocument: { Statement: [] } })).toMatch(/principalId/);
    expect(validateAuthorizerResponse({ principalId: "p" })).toMatch(/policyDocument/);
    expect(validateAuthorizerResponse({ principalId: "p", policyDocument: {} })).toMatch(/Statement/);
    expect(
      validateAuthorizerResponse({
        principalId: "p",
        policyDocument: { Statement: [] },
        context: { a: null },
      }),
    ).toMatch(/context value "a"/);
  });
});

describe("authorizer result cache", () => {
  it("refuses a TTL outside 0..3600 seconds", () => {
    expect(() => new AuthorizerResultCache(-1)).toThrow(RangeError);
    expect(() => new AuthorizerResultCache(3601)).toThrow(RangeError);
    expect(() => new AuthorizerResultCache(1.5)).toThrow(RangeError);
  });
});
