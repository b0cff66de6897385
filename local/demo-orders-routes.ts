/**
 * The routes of the demo orders API, as its API Gateway resources declare them: one table for the
 * deployed demo (infra/stacks/demo-orders-stack.ts) and the local stack's (local/demo-orders-api.ts), so
 * the two cannot drift apart. They are what the example policy's entitlements open (config/example.yaml).
 */
export const DEMO_ORDERS_ROUTES = [
  { method: "GET", resource: "/orders" },
  { method: "POST", resource: "/orders" },
  { method: "GET", resource: "/orders/{orderId}" },
  { method: "PUT", resource: "/orders/{orderId}" },
  { method: "DELETE", resource: "/orders/{orderId}" },
  { method: "POST", resource: "/admin/{job}" },
  { method: "GET", resource: "/payments/{paymentId}" },
  { method: "POST", resource: "/payments/{paymentId}/refund" },
] as const satisfies readonly { method: string; resource: string }[];

/** One route of {@link DEMO_ORDERS_ROUTES}, as `METHOD /resource`. */
export type DemoOrdersRoute =
  `${(typeof DEMO_ORDERS_ROUTES)[number]["method"]} ${(typeof DEMO_ORDERS_ROUTES)[number]["resource"]}`;
