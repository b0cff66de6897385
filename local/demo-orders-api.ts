import { randomBytes } from "node:crypto";
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from "aws-lambda";
import type { DemoOrdersRoute } from "./demo-orders-routes.js";

/**
 * The demo protected API of the local stack: a small orders service behind the JIT authorizer, serving the
 * routes of DEMO_ORDERS_ROUTES (demo-orders-routes.ts), which the deployed demo declares too. It is the "your API" of the
 * walkthrough, so it stays tiny: data in memory, reset on restart. Every answer says who called, from the
 * JIT authorizer's context, so a person can see which grant let the call through.
 */

interface Order {
  id: string;
  item: string;
  quantity: number;
  status: "open" | "shipped";
  createdAt: string;
}

interface Payment {
  id: string;
  orderId: string;
  amountCents: number;
  currency: string;
  refundedCents: number;
}

/** Largest order quantity the demo accepts. */
const MAX_QUANTITY = 1_000;

/** A demo orders service with its own in-memory data. */
export interface DemoOrdersApi {
  /** The Lambda-proxy-style integration: one proxy event in, one proxy result out. Never throws. */
  handle(event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult>;
}

/** Creates the demo orders service with a few seed orders and payments. */
export function createDemoOrdersApi(now: () => Date = () => new Date()): DemoOrdersApi {
  const created = now().toISOString();
  const orders = new Map<string, Order>(
    [
      { id: "ord-1001", item: "keyboard", quantity: 2, status: "shipped" as const, createdAt: created },
      { id: "ord-1002", item: "monitor", quantity: 1, status: "open" as const, createdAt: created },
    ].map((o) => [o.id, o]),
  );
  const payments = new Map<string, Payment>(
    [
      { id: "pay-2001", orderId: "ord-1001", amountCents: 15_800, currency: "EUR", refundedCents: 0 },
      { id: "pay-2002", orderId: "ord-1002", amountCents: 24_900, currency: "EUR", refundedCents: 0 },
    ].map((p) => [p.id, p]),
  );

  const orderOf = (id: string | undefined) => (id === undefined ? undefined : orders.get(id));
  const paymentOf = (id: string | undefined) => (id === undefined ? undefined : payments.get(id));

  return {
    async handle(event) {
      const caller = callerOf(event);
      const params = event.pathParameters ?? {};
      const key = `${event.httpMethod} ${event.resource}` as DemoOrdersRoute;
      switch (key) {
        case "GET /orders":
          return ok(200, { orders: [...orders.values()], caller });
        case "POST /orders": {
          const body = parseOrder(event.body);
          if (typeof body === "string") return problem(400, body);
          const order: Order = {
            id: `ord-${randomBytes(3).toString("hex")}`,
            item: body.item,
            quantity: body.quantity,
            status: "open",
            createdAt: now().toISOString(),
          };
          orders.set(order.id, order);
          return ok(201, { order, caller });
        }
        case "GET /orders/{orderId}": {
          const order = orderOf(params.orderId);
          return order ? ok(200, { order, caller }) : problem(404, `No order ${params.orderId}.`);
        }
        case "PUT /orders/{orderId}": {
          const order = orderOf(params.orderId);
          if (!order) return problem(404, `No order ${params.orderId}.`);
          const body = parseOrder(event.body);
          if (typeof body === "string") return problem(400, body);
          order.item = body.item;
          order.quantity = body.quantity;
          return ok(200, { order, caller });
        }
        case "DELETE /orders/{orderId}": {
          const id = params.orderId;
          if (id === undefined || !orders.delete(id)) return problem(404, `No order ${id}.`);
          return ok(200, { deleted: id, caller });
        }
        case "POST /admin/{job}":
          return ok(202, { job: params.job, status: "started", orders: orders.size, caller });
        case "GET /payments/{paymentId}": {
          const payment = paymentOf(params.paymentId);
          return payment ? ok(200, { payment, caller }) : problem(404, `No payment ${params.paymentId}.`);
        }
        case "POST /payments/{paymentId}/refund": {
          const id = params.paymentId;
          const payment = paymentOf(id);
          if (!payment) return problem(404, `No payment ${id}.`);
          const refundable = payment.amountCents - payment.refundedCents;
          if (refundable === 0) return problem(409, `Payment ${id} is already fully refunded.`);
          payment.refundedCents = payment.amountCents;
          return ok(200, { refund: { paymentId: id, amountCents: refundable }, payment, caller });
        }
        default:
          return problem(404, `The demo API has no route ${key}.`);
      }
    },
  };
}

/** Who called, as the JIT authorizer told API Gateway (context values arrive as strings). */
function callerOf(event: APIGatewayProxyEvent): Record<string, string> {
  const context = (event.requestContext?.authorizer ?? {}) as Record<string, unknown>;
  const out: Record<string, string> = {};
  for (const name of ["principalId", "sub", "scope", "requestId", "breakGlass"]) {
    const value = context[name];
    if (value !== undefined && value !== null) out[name] = String(value);
  }
  return out;
}

function parseOrder(body: string | null): { item: string; quantity: number } | string {
  let raw: unknown;
  try {
    raw = JSON.parse(body ?? "");
  } catch {
    return 'The body must be JSON: {"item": "cable", "quantity": 1}.';
  }
  const value = raw as { item?: unknown; quantity?: unknown };
  if (typeof value !== "object" || value === null) return 'The body must be {"item": ..., "quantity": ...}.';
  if (typeof value.item !== "string" || value.item.length === 0 || value.item.length > 100) {
    return "item must be a string of 1 to 100 characters.";
  }
  const quantity = value.quantity ?? 1;
  if (
    typeof quantity !== "number" ||
    !Number.isInteger(quantity) ||
    quantity < 1 ||
    quantity > MAX_QUANTITY
  ) {
    return `quantity must be a whole number from 1 to ${MAX_QUANTITY}.`;
  }
  return { item: value.item, quantity };
}

function ok(statusCode: number, body: unknown): APIGatewayProxyResult {
  return {
    statusCode,
    headers: { "content-type": "application/json", "cache-control": "no-store" },
    body: JSON.stringify(body),
  };
}

function problem(status: number, detail: string): APIGatewayProxyResult {
  const titles: Record<number, string> = { 400: "Bad Request", 404: "Not Found", 409: "Conflict" };
  const code = status === 400 ? "invalid_request" : status === 404 ? "not_found" : "conflict";
  return {
    statusCode: status,
    headers: { "content-type": "application/problem+json", "cache-control": "no-store" },
    body: JSON.stringify({
      type: `https://github.com/jit-access/jit-access#error-${code}`,
      title: titles[status] ?? "Error",
      status,
      detail,
      code,
    }),
  };
}
