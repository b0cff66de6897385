import { describe, expect, it } from "vitest";
import { methodArn } from "#local/api-gateway/method-arn.js";
import { buildProxyEvent, headerMaps, queryMaps } from "#local/api-gateway/proxy-event.js";
import { compileRoutes, matchRoute } from "#local/api-gateway/routes.js";

const table = compileRoutes([
  { method: "GET", resource: "/requests", target: "list" },
  { method: "GET", resource: "/requests/{id}", target: "get" },
  { method: "GET", resource: "/requests/{id}/audit", target: "audit" },
  { method: "POST", resource: "/requests/{id}/approve", target: "approve" },
  { method: "GET", resource: "/requests/pending-export", target: "literal" },
]);

describe("route matching", () => {
  it("matches a resource with a path parameter and decodes its value", () => {
    const match = matchRoute(table, "GET", "/requests/abc%20d");
    expect(match).toMatchObject({ route: { target: "get" }, pathParameters: { id: "abc d" } });
  });

  it("gives null path parameters for a resource without any", () => {
    expect(matchRoute(table, "GET", "/requests")).toMatchObject({ pathParameters: null });
  });

  it("prefers a literal segment over a parameter at the same position", () => {
    expect(matchRoute(table, "GET", "/requests/pending-export")).toMatchObject({
      route: { target: "literal" },
    });
  });

  it("does not match another method, a longer path, an empty parameter or an unknown path", () => {
    expect(matchRoute(table, "DELETE", "/requests/1")).toBeUndefined();
    expect(matchRoute(table, "GET", "/requests/1/audit/x")).toBeUndefined();
    expect(matchRoute(table, "GET", "/requests//audit")).toBeUndefined();
    expect(matchRoute(table, "GET", "/nothing")).toBeUndefined();
  });

  it("keeps an encoded slash inside one path parameter", () => {
    expect(matchRoute(table, "GET", "/requests/a%2Fb/audit")).toMatchObject({
      pathParameters: { id: "a/b" },
    });
  });

  it("reports a path parameter that is not valid percent-encoding", () => {
    expect(matchRoute(table, "GET", "/requests/%E0%A4%A")).toBe("bad-path");
  });

  it("ignores one trailing slash, as API Gateway does", () => {
    expect(matchRoute(table, "GET", "/requests/")).toMatchObject({ route: { target: "list" } });
  });

  it("refuses a route table with a duplicate or malformed resource", () => {
    expect(() =>
      compileRoutes([
        { method: "GET", resource: "/a", target: 1 },
        { method: "GET", resource: "/a", target: 2 },
      ]),
    ).toThrow(/defined twice/);
    expect(() => compileRoutes([{ method: "GET", resource: "/a/{id", target: 1 }])).toThrow(/malformed/);
    expect(() => compileRoutes([{ method: "GET", resource: "a", target: 1 }])).toThrow(/start with/);
  });
});

describe("methodArn", () => {
  it("names region, account, API, stage, method and the path without its leading slash", () => {
    expect(methodArn({ apiId: "ordersapi", stage: "local" }, "GET", "/orders/1")).toBe(
      "arn:aws:execute-api:us-east-1:000000000000:ordersapi/local/GET/orders/1",
    );
    expect(methodArn({ apiId: "a", stage: "s" }, "GET", "/")).toBe(
      "arn:aws:execute-api:us-east-1:000000000000:a/s/GET/",
    );
  });

  it("keeps percent-encoding, so an encoded * or / in a path value stays literal", () => {
    expect(methodArn({ apiId: "a", stage: "s" }, "GET", "/accounts/1%2A%2Fx")).toBe(
      "arn:aws:execute-api:us-east-1:000000000000:a/s/GET/accounts/1%2A%2Fx",
    );
  });
});

describe("proxy event parameters", () => {
  it('gives a bare query name the value "" (?mine)', () => {
    expect(queryMaps("mine")).toEqual({
      queryStringParameters: { mine: "" },
      multiValueQueryStringParameters: { mine: [""] },
    });
  });

  it("keeps the last value of a repeated query name and all of them in the multi-value map", () => {
    expect(queryMaps("a=1&a=2&b=x%20y")).toEqual({
      queryStringParameters: { a: "2", b: "x y" },
      multiValueQueryStringParameters: { a: ["1", "2"], b: ["x y"] },
    });
  });

  it("gives null query maps when there is no query", () => {
    expect(queryMaps("")).toEqual({ queryStringParameters: null, multiValueQueryStringParameters: null });
  });

  it("keeps header names as sent, the last value in headers and all in multiValueHeaders", () => {
    expect(headerMaps(["Authorization", "Bearer x", "X-A", "1", "X-A", "2"])).toEqual({
      headers: { Authorization: "Bearer x", "X-A": "2" },
      multiValueHeaders: { Authorization: ["Bearer x"], "X-A": ["1", "2"] },
    });
  });

  it("builds a REST proxy event with resource, path, parameters, body and request context", () => {
    const event = buildProxyEvent(
      {
        request: {
          method: "POST",
          rawPath: "/requests/r-1/approve",
          rawQuery: "",
          rawHeaders: ["Host", "127.0.0.1:4000", "User-Agent", "curl/8"],
          body: Buffer.from('{"comment":"ok"}'),
          sourceIp: "127.0.0.1",
          host: "127.0.0.1:4000",
        },
        location: { apiId: "jitapi", stage: "local" },
        resource: "/requests/{id}/approve",
        pathParameters: { id: "r-1" },
        requestId: "req-1",
        receivedAtMs: Date.UTC(2026, 3, 9, 12, 34, 56),
      },
      { sub: "bob", principalId: "bob" },
    );
    expect(event).toMatchObject({
      resource: "/requests/{id}/approve",
      path: "/requests/r-1/approve",
      httpMethod: "POST",
      pathParameters: { id: "r-1" },
      queryStringParameters: null,
      body: '{"comment":"ok"}',
      isBase64Encoded: false,
      requestContext: {
        requestId: "req-1",
        stage: "local",
        resourcePath: "/requests/{id}/approve",
        path: "/local/requests/r-1/approve",
        apiId: "jitapi",
        accountId: "000000000000",
        requestTime: "09/Apr/2026:12:34:56 +0000",
        identity: { sourceIp: "127.0.0.1", userAgent: "curl/8" },
        authorizer: { sub: "bob", principalId: "bob" },
      },
    });
  });
});
