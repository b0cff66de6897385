import { readFileSync } from "node:fs";
import { Logger } from "@aws-lambda-powertools/logger";
import { vi } from "vitest";
import { JoseAccessTokenVerifier } from "#functions/adapters/auth/access-token-verifier.js";
import { CachedRequestReader } from "#functions/adapters/grant-cache.js";
import { parsePolicy } from "#functions/config/load-policy.js";
import type { AccessRequest } from "#functions/domain/access-request.js";
import type { Policy } from "#functions/domain/policy.js";
import type { Route } from "#functions/domain/route-matching.js";
import { createJitAuthorizerHandler, type JitAuthorizerHandler } from "#functions/handlers/jit-authorizer.js";
import type { VerificationKey } from "#functions/ports/public-keys.js";
import type { RequestReader } from "#functions/ports/request-store.js";
import { type AuthorizationDecision, authorizeAccess } from "#functions/use-cases/authorize-access.js";
import { ManualClock } from "#test/helpers/clock.js";
import {
  generateTestKey,
  type MintOptions,
  mintAccessToken,
  TEST_AUDIENCE,
  TEST_ISSUER,
  type TestKey,
} from "./tokens.js";

/** Prefix of every invocation ARN in the authorizer tests: API `abcdef123`, stage `prod`. */
export const API_ARN_PREFIX = "arn:aws:execute-api:us-east-1:123456789012:abcdef123/prod/";

/** The invocation ARN of `method path` on the test API (`/orders/42` → `…/prod/GET/orders/42`). */
export function methodArn(method: string, path: string): string {
  return `${API_ARN_PREFIX}${method}${path}`;
}

/** A fixed start time for manual clocks: 2026-03-01T00:00:00Z. */
export const T0_MS = Date.UTC(2026, 2, 1);

/** The policy of the authorizer tests: orders-api entitlements and one for another API. */
export function testPolicy(options: { tokenTtl?: string } = {}): Policy {
  return parsePolicy(testPolicyYaml(options), "authorizer-test-policy.yaml");
}

/** The policy file text behind {@link testPolicy}. */
export function testPolicyYaml(options: { tokenTtl?: string } = {}): string {
  return `
tokenTtl: ${options.tokenTtl ?? "PT15M"}
entitlements:
  - id: orders-read
    description: Read orders
    audience: ${TEST_AUDIENCE}
    permissions: ["GET /orders", "GET /orders/*"]
    eligibleGroups: [engineers]
    autoApprove: true
    requireJustification: false
    maxDuration: PT8H
  - id: accounts-123
    description: Read one account
    audience: ${TEST_AUDIENCE}
    permissions: ["GET /accounts/123"]
    eligibleGroups: [engineers]
    autoApprove: true
    requireJustification: false
    maxDuration: PT8H
  - id: orders-admin
    description: Change orders and run admin jobs
    audience: ${TEST_AUDIENCE}
    permissions: ["* /orders/*", "POST /admin/*"]
    eligibleGroups: [engineers]
    approverGroups: [sre]
    maxDuration: PT4H
  - id: payments-read
    description: Read payments on another API
    audience: payments-api
    permissions: ["GET /payments/*"]
    eligibleGroups: [engineers]
    autoApprove: true
    requireJustification: false
    maxDuration: PT8H
`;
}

/**
 * An APPROVED grant that started a minute before `nowMs` and lasts `durationSeconds` (default 8 h), for
 * alice on orders-read unless overridden.
 */
export function activeGrant(
  requestId: string,
  nowMs: number,
  overrides: Partial<AccessRequest> & { durationSeconds?: number } = {},
): AccessRequest {
  const durationSeconds = overrides.durationSeconds ?? 8 * 3600;
  const grantedAtMs = nowMs - 60_000;
  const iso = (ms: number) => new Date(ms).toISOString();
  return {
    requestId,
    requester: "alice",
    entitlementId: "orders-read",
    audience: TEST_AUDIENCE,
    durationSeconds,
    status: "APPROVED",
    version: 2,
    createdAt: iso(grantedAtMs - 60_000),
    approvalDeadline: iso(grantedAtMs + 86_400_000),
    approvals: [],
    breakGlass: false,
    autoApproved: true,
    grantedAt: iso(grantedAtMs),
    expiresAt: iso(grantedAtMs + durationSeconds * 1000),
    updatedAt: iso(grantedAtMs),
    ...overrides,
  };
}

/** A {@link RequestReader} over a map: the in-memory store of unit tests. */
export class InMemoryRequestReader implements RequestReader {
  readonly items = new Map<string, AccessRequest>();
  put(request: AccessRequest): void {
    this.items.set(request.requestId, structuredClone(request));
  }
  async get(requestId: string): Promise<AccessRequest | undefined> {
    const found = this.items.get(requestId);
    return found === undefined ? undefined : structuredClone(found);
  }
}

/** Wraps a reader and counts the reads that reach it, per request id. */
export class CountingRequestReader implements RequestReader {
  readonly reads: string[] = [];
  constructor(private readonly inner: RequestReader) {}
  get(requestId: string, options?: { consistentRead?: boolean }): Promise<AccessRequest | undefined> {
    this.reads.push(requestId);
    return this.inner.get(requestId, options);
  }
  readsOf(requestId: string): number {
    return this.reads.filter((id) => id === requestId).length;
  }
}

const fixture = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(new URL(`../fixtures/authorizer/${name}`, import.meta.url), "utf8"));

/** A REST TOKEN authorizer event (fixture) for `method path`, the header value `Bearer <token>`. */
export function restTokenEvent(token: string, method = "GET", path = "/orders/42"): Record<string, unknown> {
  return {
    ...fixture("rest-token-event.json"),
    authorizationToken: `Bearer ${token}`,
    methodArn: methodArn(method, path),
  };
}

/** A REST REQUEST authorizer event (fixture) for `method path` with `Authorization: Bearer <token>`. */
export function restRequestEvent(
  token: string,
  method = "GET",
  path = "/orders/42",
): Record<string, unknown> {
  const event = fixture("rest-request-event.json");
  const headers = { ...(event.headers as Record<string, string>), Authorization: `Bearer ${token}` };
  const multiValueHeaders = {
    ...(event.multiValueHeaders as Record<string, string[]>),
    Authorization: [`Bearer ${token}`],
  };
  return {
    ...event,
    methodArn: methodArn(method, path),
    httpMethod: method,
    path,
    headers,
    multiValueHeaders,
  };
}

/** An HTTP API payload 2.0 authorizer event (fixture) for `method path`. */
export function httpApiEvent(token: string, method = "GET", path = "/orders/42"): Record<string, unknown> {
  const event = fixture("http-api-v2-event.json");
  const context = event.requestContext as Record<string, unknown>;
  return {
    ...event,
    routeArn: methodArn(method, path),
    rawPath: `/prod${path}`,
    headers: { ...(event.headers as Record<string, string>), authorization: `Bearer ${token}` },
    identitySource: [`Bearer ${token}`],
    requestContext: {
      ...context,
      http: { ...(context.http as Record<string, unknown>), method, path: `/prod${path}` },
    },
  };
}

/** A Powertools logger that prints nothing (tests that read logs use {@link captureLogs}). */
export function silentLogger(): Logger {
  return new Logger({ serviceName: "jit-authorizer-test", logLevel: "SILENT" });
}

/**
 * Runs `fn` with a real Powertools logger (INFO unless told) and returns what it printed (one JSON object per line).
 */
export async function captureLogs(
  fn: (logger: Logger) => Promise<void>,
  logLevel: "DEBUG" | "INFO" = "INFO",
): Promise<{ text: string; entries: Record<string, unknown>[] }> {
  const chunks: string[] = [];
  const capture = (chunk: unknown) => {
    chunks.push(String(chunk));
    return true;
  };
  const out = vi.spyOn(process.stdout, "write").mockImplementation(capture);
  const err = vi.spyOn(process.stderr, "write").mockImplementation(capture);
  try {
    await fn(new Logger({ serviceName: "jit-authorizer-test", logLevel }));
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
  const text = chunks.join("");
  const entries = text
    .split("\n")
    .filter((l) => l.trim().startsWith("{"))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { text, entries };
}

/** Everything a unit test of the authorizer needs, wired like the composition does. */
export interface AuthorizerHarness {
  key: TestKey;
  clock: ManualClock;
  policy: Policy;
  store: InMemoryRequestReader;
  reader: CountingRequestReader;
  handler: JitAuthorizerHandler;
  /** Current manual-clock time, epoch seconds. */
  nowSeconds(): number;
  /** Stores an active grant (alice, orders-read unless overridden) and returns its id. */
  grant(overrides?: Partial<AccessRequest>): string;
  /** Mints a token with the harness key at the harness time (overrides as in {@link mintAccessToken}). */
  mint(options?: Partial<MintOptions>): Promise<string>;
  /** The use case's decision (with reason code) for `token` on `route`, with the harness configuration. */
  decide(token: string | undefined, route?: Route): Promise<AuthorizationDecision>;
}

/** Builds an {@link AuthorizerHarness}: a fresh ES256 key, a manual clock at {@link T0_MS}, the test policy. */
export async function authorizerHarness(
  options: {
    keys?: VerificationKey[];
    policy?: Policy;
    revocationCacheSeconds?: number;
    reader?: RequestReader;
    logger?: Logger;
  } = {},
): Promise<AuthorizerHarness> {
  const key = await generateTestKey();
  const clock = new ManualClock(T0_MS);
  const policy = options.policy ?? testPolicy();
  const store = new InMemoryRequestReader();
  const reader = new CountingRequestReader(options.reader ?? store);
  const keys = options.keys ?? [key.verificationKey];
  const revocationCacheSeconds = options.revocationCacheSeconds ?? 30;
  const handler = createJitAuthorizerHandler({
    keys,
    reader,
    policy,
    audience: TEST_AUDIENCE,
    issuer: TEST_ISSUER,
    revocationCacheSeconds,
    clock,
    logger: options.logger ?? silentLogger(),
  });
  const verifier = new JoseAccessTokenVerifier({
    keys,
    issuer: TEST_ISSUER,
    audience: TEST_AUDIENCE,
    tokenTtlSeconds: policy.tokenTtlSeconds,
    clock,
  });
  const grants = new CachedRequestReader(store, { maxAgeSeconds: 0, clock });
  const nowSeconds = () => Math.floor(clock.nowMs() / 1000);
  let counter = 0;
  return {
    key,
    clock,
    policy,
    store,
    reader,
    handler,
    nowSeconds,
    grant(overrides = {}) {
      counter += 1;
      const id = overrides.requestId ?? `req-${counter}`;
      store.put(activeGrant(id, clock.nowMs(), overrides));
      return id;
    },
    mint(mintOptions = {}) {
      return mintAccessToken({ key, nowSeconds: nowSeconds(), ...mintOptions });
    },
    decide(token, route = { method: "GET", path: "/orders/42" }) {
      return authorizeAccess({ token, route }, { verifier, grants, policy, audience: TEST_AUDIENCE, clock });
    },
  };
}

/** Awaits `promise` and returns the error it rejects with (fails the test if it resolves). */
export async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  throw new Error("expected a rejection, but the promise resolved");
}

/** Asserts the authorizer answered 401 the way API Gateway needs: exactly `new Error("Unauthorized")`. */
export async function expectUnauthorized(promise: Promise<unknown>): Promise<void> {
  const err = await rejection(promise);
  if (!(err instanceof Error) || err.message !== "Unauthorized" || err.name !== "Error") {
    throw new Error(
      `expected exactly Error("Unauthorized"), got ${String(err?.name)}: ${String(err?.message)}`,
    );
  }
}
