/**
 * The Lambda entries and the JIT API's routes, as plain data: the CDK app (infra/constructs/jit-api.ts)
 * and the local API Gateway emulator (local/stack.ts) both build the API from this one table, so the
 * deployed and local routes cannot drift.
 */

/** The Lambda entries of the handler contract: `functions/handlers/<name>.ts`. */
export const HANDLER_NAMES = [
  "list-entitlements",
  "create-request",
  "list-requests",
  "get-request",
  "get-audit-trail",
  "approve-request",
  "deny-request",
  "cancel-request",
  "revoke-request",
  "review-request",
  "extend-request",
  "issue-token",
  "well-known",
  "identity-authorizer",
  "jit-authorizer",
  "expiry-consumer",
  "trusted-keys-resource",
  "notify-publisher",
  "notify-slack",
  "notify-webhook",
  "notify-email",
  "reminder-sweeper",
] as const;

/** One Lambda entry's name. */
export type HandlerName = (typeof HANDLER_NAMES)[number];

/** One route of the JIT API. */
export interface JitApiRoute {
  readonly method: "GET" | "POST";
  /** API Gateway resource path; the path parameter is `{id}`. */
  readonly path: string;
  readonly handler: HandlerName;
  /** Public routes (the well-known documents) skip the identity authorizer. */
  readonly public?: boolean;
}

/** Every route of the JIT API (README "HTTP API"). */
export const JIT_API_ROUTES: readonly JitApiRoute[] = [
  { method: "GET", path: "/entitlements", handler: "list-entitlements" },
  { method: "POST", path: "/requests", handler: "create-request" },
  { method: "GET", path: "/requests", handler: "list-requests" },
  { method: "GET", path: "/requests/{id}", handler: "get-request" },
  { method: "GET", path: "/requests/{id}/audit", handler: "get-audit-trail" },
  { method: "POST", path: "/requests/{id}/approve", handler: "approve-request" },
  { method: "POST", path: "/requests/{id}/deny", handler: "deny-request" },
  { method: "POST", path: "/requests/{id}/cancel", handler: "cancel-request" },
  { method: "POST", path: "/requests/{id}/token", handler: "issue-token" },
  { method: "POST", path: "/requests/{id}/revoke", handler: "revoke-request" },
  { method: "POST", path: "/requests/{id}/review", handler: "review-request" },
  { method: "POST", path: "/requests/{id}/extend", handler: "extend-request" },
  { method: "GET", path: "/.well-known/jwks.json", handler: "well-known", public: true },
  { method: "GET", path: "/.well-known/oauth-authorization-server", handler: "well-known", public: true },
];
