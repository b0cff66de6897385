import { readFileSync } from "node:fs";
import type { APIGatewayProxyEvent } from "aws-lambda";
import { describe, expect, it } from "vitest";
import { parsePolicy } from "#functions/config/load-policy.js";
import { permissionCoversRoute } from "#functions/domain/route-matching.js";
import { createDemoOrdersApi } from "#local/demo-orders-api.js";
import { DEMO_ORDERS_ROUTES } from "#local/demo-orders-routes.js";
import { DEFAULT_CONFIG_FILE } from "#local/stack.js";

function event(method: string, resource: string, path: string, body: unknown = null): APIGatewayProxyEvent {
  const id = /^\/(orders|payments|admin)\/([^/]+)/.exec(path);
  const name = { orders: "orderId", payments: "paymentId", admin: "job" }[id?.[1] ?? ""];
  return {
    resource,
    path,
    httpMethod: method,
    headers: {},
    multiValueHeaders: {},
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters: id && name ? { [name]: id[2] as string } : null,
    stageVariables: null,
    body: body === null ? null : typeof body === "string" ? body : JSON.stringify(body),
    isBase64Encoded: false,
    requestContext: {
      authorizer: {
        principalId: "alice",
        sub: "alice",
        scope: "orders-admin",
        breakGlass: "false",
        jti: "j",
      },
    } as unknown as APIGatewayProxyEvent["requestContext"],
  };
}

async function call(api: ReturnType<typeof createDemoOrdersApi>, e: APIGatewayProxyEvent) {
  const result = await api.handle(e);
  return { status: result.statusCode, body: JSON.parse(result.body) as Record<string, unknown> };
}

describe("demo orders API", () => {
  it("has a route for every permission path of the example policy, and every route is opened by one", () => {
    const policy = parsePolicy(readFileSync(DEFAULT_CONFIG_FILE, "utf8"), "example.yaml");
    const permissions = policy.entitlements.flatMap((e) => e.permissions);
    for (const route of DEMO_ORDERS_ROUTES) {
      const path = route.resource.replace(/\{[^}]+\}/g, "x-1");
      expect(
        permissions.some((p) => permissionCoversRoute(p, { method: route.method, path })),
        `${route.method} ${route.resource}`,
      ).toBe(true);
    }
  });

  it("lists, creates, reads and deletes orders, saying who called", async () => {
    const api = createDemoOrdersApi();
    const created = await call(api, event("POST", "/orders", "/orders", { item: "cable", quantity: 3 }));
    expect(created.status).toBe(201);
    const id = (created.body.order as { id: string }).id;
    expect((await call(api, event("GET", "/orders/{orderId}", `/orders/${id}`))).body).toMatchObject({
      order: { id, item: "cable", quantity: 3 },
      caller: { principalId: "alice", scope: "orders-admin" },
    });
    expect((await call(api, event("DELETE", "/orders/{orderId}", `/orders/${id}`))).status).toBe(200);
    expect((await call(api, event("GET", "/orders/{orderId}", `/orders/${id}`))).status).toBe(404);
    const list = await call(api, event("GET", "/orders", "/orders"));
    expect((list.body.orders as unknown[]).length).toBe(2);
  });

  it("updates an order with PUT, refusing a bad body and an unknown order", async () => {
    const api = createDemoOrdersApi();
    const updated = await call(
      api,
      event("PUT", "/orders/{orderId}", "/orders/ord-1002", { item: "monitor arm", quantity: 4 }),
    );
    expect(updated).toMatchObject({ status: 200, body: { order: { id: "ord-1002", item: "monitor arm" } } });
    expect((await call(api, event("GET", "/orders/{orderId}", "/orders/ord-1002"))).body).toMatchObject({
      order: { item: "monitor arm", quantity: 4 },
    });
    const bad = await call(api, event("PUT", "/orders/{orderId}", "/orders/ord-1002", { item: "" }));
    expect(bad.status).toBe(400);
    const missing = await call(api, event("PUT", "/orders/{orderId}", "/orders/nope", { item: "x" }));
    expect(missing.status).toBe(404);
  });

  it("starts any admin job named in the path", async () => {
    const api = createDemoOrdersApi();
    const answer = await call(api, event("POST", "/admin/{job}", "/admin/reindex"));
    expect(answer).toMatchObject({ status: 202, body: { job: "reindex", status: "started" } });
  });

  it("refunds a payment once and refuses a second refund", async () => {
    const api = createDemoOrdersApi();
    expect(
      (await call(api, event("POST", "/payments/{paymentId}/refund", "/payments/pay-2001/refund"))).status,
    ).toBe(200);
    expect(
      (await call(api, event("POST", "/payments/{paymentId}/refund", "/payments/pay-2001/refund"))).status,
    ).toBe(409);
    expect((await call(api, event("GET", "/payments/{paymentId}", "/payments/nope"))).status).toBe(404);
  });

  it("answers a bad order body with a 400 problem", async () => {
    const api = createDemoOrdersApi();
    for (const body of ["{", { item: "" }, { item: "x", quantity: 0 }, { item: "x", quantity: 1.5 }]) {
      const answer = await call(api, event("POST", "/orders", "/orders", body));
      expect(answer.status).toBe(400);
      expect(answer.body.code).toBe("invalid_request");
    }
  });
});
