import { randomUUID } from "node:crypto";
import { DeleteTableCommand } from "@aws-sdk/client-dynamodb";
import { ScanCommand } from "@aws-sdk/lib-dynamodb";
import type { APIGatewayProxyEvent } from "aws-lambda";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DynamoDbRequestReader } from "#functions/adapters/dynamodb/dynamodb-request-reader.js";
import { DynamoDbTokenIssueLog } from "#functions/adapters/dynamodb/dynamodb-token-issue-log.js";
import { IDENTITY_CONTEXT } from "#functions/adapters/http/caller-identity.js";
import {
  type HandlerName,
  JIT_API_ROUTES,
  type JitApiRoute,
} from "#functions/adapters/http/jit-api-routes.js";
import { STATUS_BY_CODE } from "#functions/adapters/http/problem-details.js";
import type { RestHandler } from "#functions/adapters/http/rest-handler.js";
import type { ErrorCode } from "#functions/domain/errors.js";
import { createIssueTokenHandler } from "#functions/handlers/issue-token.js";
import { createWellKnownHandler } from "#functions/handlers/well-known.js";
import {
  generateLocalKey,
  ISSUER,
  LocalKeySigner,
  quietLogger,
  StaticKeySource,
} from "#test/helpers/token-issue.js";
import { createWorkflowHarness, USERS, type WorkflowHarness } from "./workflow-harness.js";

// Property-based fuzz of every JIT API route through the real handlers on DynamoDB Local: generated
// bodies, query strings, path ids and identity claims. Whatever arrives, the API answers without a 5xx,
// every 4xx is an RFC 9457 problem document with a stable code, and a refused call leaves both tables
// exactly as they were. `npm test` runs a few hundred inputs; `npm run fuzz` sets JIT_FUZZ_RUNS=10000.

const RUNS = Number(process.env.JIT_FUZZ_RUNS ?? 300);
/** Cases between fresh tables: keeps every snapshot scan small however many requests the fuzz creates. */
const CASES_PER_WORLD = 400;
const HOUR_MS = 3_600_000;

const { alice, bob, carol, dave, mallory, paula } = USERS;
const KNOWN_USERS = [alice, bob, carol, dave, mallory, paula];
const GROUPS = ["engineers", "sre", "dba", "oncall", "jit-admins", "payments-approvers"];
const ENTITLEMENTS = ["ops-read", "db-admin", "auto-read", "break-glass", "payments"];
const STABLE_CODES = new Set(Object.keys(STATUS_BY_CODE)) as ReadonlySet<ErrorCode>;

/** One generated call: the route, the caller's authorizer context and the raw parts of the event. */
interface FuzzCall {
  route: JitApiRoute;
  authorizer: Record<string, unknown> | null;
  /** Index into the world's seeded ids, or a generated path parameter. */
  id: { known: number } | { raw: string | null };
  body: string | null;
  isBase64Encoded: boolean;
  query: Record<string, string> | null;
  /** Milliseconds the clock moves forward before the call (0 most of the time). */
  advanceMs: number;
}

/** A harness on fresh tables with seeded requests in every state, and a handler per route. */
interface World {
  h: WorkflowHarness;
  ids: string[];
  handlers: Record<HandlerName, RestHandler | undefined>;
  cases: number;
  lastSnapshot?: string | undefined;
}

let keyPair: Awaited<ReturnType<typeof generateLocalKey>>;
let world: World;
const tally = { tried: 0, refused: 0, succeeded: 0, byStatus: new Map<string, number>() };

async function newWorld(): Promise<World> {
  const h = await createWorkflowHarness();
  const quiet = quietLogger();
  const tokenDeps = {
    requests: new DynamoDbRequestReader(h.doc, h.tables.requests),
    audit: new DynamoDbTokenIssueLog(h.doc, h.tables.audit, h.tables.requests),
    signer: new LocalKeySigner(keyPair),
    clock: h.clock,
    issuer: ISSUER,
    tokenTtlSeconds: 900,
    entitlementIds: new Set(h.deps.policy.entitlements.map((e) => e.id)),
  };
  const handlers: Record<HandlerName, RestHandler | undefined> = {
    "list-entitlements": h.handlers.listEntitlements,
    "create-request": h.handlers.create,
    "list-requests": h.handlers.list,
    "get-request": h.handlers.get,
    "get-audit-trail": h.handlers.audit,
    "approve-request": h.handlers.approve,
    "deny-request": h.handlers.deny,
    "cancel-request": h.handlers.cancel,
    "revoke-request": h.handlers.revoke,
    "review-request": h.handlers.review,
    "extend-request": h.handlers.extend,
    "issue-token": createIssueTokenHandler(tokenDeps, quiet),
    "well-known": createWellKnownHandler(
      { issuer: ISSUER, keys: new StaticKeySource([keyPair.verificationKey]) },
      quiet,
    ),
    // Not routes of the JIT API (authorizers, stream and queue consumers).
    "identity-authorizer": undefined,
    "jit-authorizer": undefined,
    "expiry-consumer": undefined,
    "trusted-keys-resource": undefined,
    "notify-publisher": undefined,
    "notify-slack": undefined,
    "notify-webhook": undefined,
    "notify-email": undefined,
    "reminder-sweeper": undefined,
  };
  const ids = await seed(h);
  return { h, ids, handlers, cases: 0 };
}

/** Requests in each state the routes act on: pending (one and two approvers), approved, denied, ... */
async function seed(h: WorkflowHarness): Promise<string[]> {
  const created = async (
    caller: { sub: string; groups: readonly string[] },
    body: Record<string, unknown>,
  ) => {
    const res = await h.createRequest(caller, body);
    if (res.status !== 201) throw new Error(`seeding failed: ${JSON.stringify(res.body)}`);
    return res.body.requestId as string;
  };
  const pending = await created(alice, { entitlement: "ops-read" });
  const halfway = await created(alice, { entitlement: "db-admin", justification: "j", ticket: "INC-1" });
  await h.act("approve", bob, halfway);
  const approved = await created(alice, { entitlement: "ops-read" });
  await h.act("approve", bob, approved);
  const denied = await created(mallory, { entitlement: "ops-read" });
  await h.act("deny", carol, denied, { reason: "no" });
  const auto = await created(alice, { entitlement: "auto-read" });
  const breakGlass = await created(alice, { entitlement: "break-glass", justification: "outage" });
  const revoked = await created(mallory, { entitlement: "auto-read" });
  await h.act("revoke", mallory, revoked);
  const scheduled = await created(alice, {
    entitlement: "auto-read",
    startsAt: new Date(h.clock.nowMs() + 2 * HOUR_MS).toISOString(),
  });
  const payments = await created(mallory, { entitlement: "payments" });
  return [pending, halfway, approved, denied, auto, breakGlass, revoked, scheduled, payments];
}

/** Both tables, every item, in a stable order: what "the store unchanged" compares. */
async function snapshot(h: WorkflowHarness): Promise<string> {
  const tables = [h.tables.requests, h.tables.audit];
  const parts: string[] = [];
  for (const table of tables) {
    const items: string[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await h.doc.send(
        new ScanCommand({ TableName: table, ConsistentRead: true, ExclusiveStartKey: start }),
      );
      for (const item of page.Items ?? []) items.push(JSON.stringify(item, Object.keys(item).sort()));
      start = page.LastEvaluatedKey;
    } while (start);
    parts.push(`${table}:${items.sort().join("\n")}`);
  }
  return parts.join("\n--\n");
}

// ---- generators -------------------------------------------------------------------------------------

const anyText = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.constantFrom("", " ", "\u200b", "\u200b\u2060\u00ad", "\u0000", "\ud800", "a".repeat(300)),
);

const identity = fc.oneof(
  { weight: 12, arbitrary: fc.constantFrom(...KNOWN_USERS).map((u) => identityContext(u.sub, u.groups)) },
  {
    weight: 3,
    arbitrary: fc
      .record({
        sub: fc.oneof(
          fc.constantFrom(...KNOWN_USERS.map((u) => u.sub)),
          anyText,
          fc.constant("x".repeat(5000)),
        ),
        groups: fc.array(fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...GROUPS) }, anyText), {
          maxLength: 5,
        }),
      })
      .map(({ sub, groups }) => identityContext(sub, groups)),
  },
  {
    weight: 1,
    arbitrary: fc.oneof(
      fc.constant(null),
      fc.record({ sub: fc.jsonValue(), groups: fc.oneof(anyText, fc.jsonValue()) }, { requiredKeys: [] }),
      fc.record({
        sub: fc.constantFrom(...KNOWN_USERS.map((u) => u.sub)),
        groups: fc.constantFrom("{", "[1]", '"sre"', "null", '{"0":"sre"}', `[${'"g",'.repeat(300)}"g"]`),
      }),
    ),
  },
);

function identityContext(sub: string, groups: readonly string[]): Record<string, unknown> {
  return { [IDENTITY_CONTEXT.sub]: sub, [IDENTITY_CONTEXT.groups]: JSON.stringify(groups) };
}

const isoInstant = fc
  .integer({ min: -30 * 24, max: 30 * 24 })
  .map((hours) => new Date(Date.now() + hours * HOUR_MS).toISOString());

/** Body fields every route knows, with plausible and hostile values. */
const fieldValues = {
  entitlement: fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...ENTITLEMENTS) }, anyText, fc.jsonValue()),
  duration: fc.oneof(
    fc.constantFrom(
      "PT1H",
      "PT30M",
      "PT5S",
      "P1D",
      "PT0S",
      "P1Y",
      "PT1.5H",
      "-PT1H",
      "P",
      "PT",
      "P99999999D",
    ),
    anyText,
    fc.integer(),
  ),
  durationSeconds: fc.oneof(
    fc.integer({ min: -10, max: 100_000 }),
    fc.double(),
    fc.constantFrom(1e308, Number.MAX_SAFE_INTEGER, 3600),
    anyText,
  ),
  justification: fc.oneof({ weight: 3, arbitrary: fc.constant("because") }, anyText, fc.jsonValue()),
  ticket: fc.oneof(
    { weight: 3, arbitrary: fc.constant("INC-42") },
    fc.constantFrom("INC-", "inc-9", "INC-1\nINC-2"),
    anyText,
  ),
  startsAt: fc.oneof(
    isoInstant,
    fc.constantFrom("2026-13-40T00:00:00Z", "tomorrow", "2026-01-01T09:00:00", "+275760-09-13T00:00:00.000Z"),
    anyText,
    fc.integer(),
  ),
  comment: fc.oneof(anyText, fc.jsonValue()),
  reason: fc.oneof({ weight: 3, arbitrary: fc.constant("done") }, anyText, fc.jsonValue()),
  note: anyText,
};

/** The body fields each route takes; other fields appear too, less often. */
const FIELDS_BY_HANDLER: Partial<Record<HandlerName, (keyof typeof fieldValues)[]>> = {
  "create-request": ["entitlement", "duration", "durationSeconds", "justification", "ticket", "startsAt"],
  "approve-request": ["comment"],
  "deny-request": ["reason"],
  "revoke-request": ["reason"],
  "review-request": ["note"],
  "extend-request": ["duration", "justification"],
};

function structuredBody(handler: HandlerName): fc.Arbitrary<string> {
  const own = FIELDS_BY_HANDLER[handler] ?? [];
  const ownValues = Object.fromEntries(own.map((k) => [k, fieldValues[k]])) as Partial<typeof fieldValues>;
  return fc
    .tuple(
      fc.record(ownValues, { requiredKeys: [] }),
      fc.record(fieldValues, { requiredKeys: [] }),
      fc.dictionary(
        fc.oneof(
          fc.constantFrom("__proto__", "constructor", "requester", "status", "approvals"),
          fc.string(),
        ),
        fc.jsonValue(),
        { maxKeys: 2 },
      ),
      fc.nat({ max: 9 }),
    )
    .map(([known, any, extra, pick]) =>
      JSON.stringify(pick < 7 ? known : pick < 9 ? { ...known, ...any } : { ...known, ...extra }),
    );
}

/** Bodies each route accepts, so that calls get past validation to the use cases and the store. */
const VALID_BODIES: Partial<Record<HandlerName, fc.Arbitrary<Record<string, unknown>>>> = {
  "create-request": fc.record(
    {
      entitlement: fc.constantFrom(...ENTITLEMENTS),
      duration: fc.constantFrom("PT5M", "PT1H", "PT8H", "P2D"),
      justification: fc.constantFrom("because", "INC-42 cleanup"),
      ticket: fc.constant("INC-42"),
      startsAt: fc.integer({ min: -2, max: 3 }).map((h) => new Date(Date.now() + h * HOUR_MS).toISOString()),
    },
    { requiredKeys: ["entitlement", "justification", "ticket"] },
  ),
  "approve-request": fc.record({ comment: fc.constant("ok") }, { requiredKeys: [] }),
  "deny-request": fc.record({ reason: fc.constantFrom("no", "not now") }),
  "revoke-request": fc.record({ reason: fc.constant("done") }, { requiredKeys: [] }),
  "cancel-request": fc.constant({}),
  "review-request": fc.record({ note: fc.constantFrom("checked with the on-call lead", "ok") }),
  "extend-request": fc.record(
    { duration: fc.constantFrom("PT15M", "PT1H", "PT8H"), justification: fc.constant("still fixing") },
    { requiredKeys: ["duration"] },
  ),
};

function body(handler: HandlerName): fc.Arbitrary<string | null> {
  const valid = VALID_BODIES[handler];
  return fc.oneof(
    { weight: 2, arbitrary: fc.constant(null) },
    ...(valid ? [{ weight: 8, arbitrary: valid.map((b) => JSON.stringify(b)) }] : []),
    { weight: 5, arbitrary: structuredBody(handler) },
    { weight: 1, arbitrary: fc.jsonValue().map((v) => JSON.stringify(v)) },
    { weight: 1, arbitrary: fc.oneof(fc.string(), fc.constantFrom("{", "[]", "null", "{}}", "\ufeff{}")) },
    { weight: 1, arbitrary: fc.constant(`{"justification":"${"x".repeat(17_000)}"}`) },
  );
}

const QUERY_NAMES = [
  "mine",
  "pending",
  "all",
  "active",
  "breakGlass",
  "unreviewed",
  "limit",
  "next",
  "__proto__",
  "toString",
  "constructor",
  "hasOwnProperty",
];
const randomQuery = fc.dictionary(
  fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...QUERY_NAMES) }, fc.string({ maxLength: 10 })),
  fc.oneof(
    { weight: 3, arbitrary: fc.constant("") },
    fc.integer({ min: -5, max: 500 }).map(String),
    fc.string({ maxLength: 60 }),
  ),
  { maxKeys: 4 },
);
/** The lists as the console and CLI ask for them, so list calls reach the store too. */
const listQuery = fc.constantFrom<Record<string, string>>(
  { mine: "" },
  { pending: "" },
  { mine: "", all: "" },
  { mine: "", limit: "2" },
  { pending: "", limit: "1" },
  { active: "" },
  { breakGlass: "", unreviewed: "" },
);
const query = fc.oneof(
  { weight: 2, arbitrary: fc.constant(null) },
  { weight: 3, arbitrary: listQuery },
  { weight: 3, arbitrary: randomQuery },
);

const pathId = fc.oneof(
  { weight: 12, arbitrary: fc.nat({ max: 20 }).map((known) => ({ known })) },
  {
    weight: 2,
    arbitrary: fc
      .oneof(
        fc.uuid(),
        fc.string({ maxLength: 140 }),
        fc.constantFrom("", "..", "../requests", "a/b", "%2e%2e", "x".repeat(129), "toString", "__proto__"),
      )
      .map((raw) => ({ raw })),
  },
  { weight: 1, arbitrary: fc.constant({ raw: null }) },
);

function fuzzCall(routes: readonly JitApiRoute[]): fc.Arbitrary<FuzzCall> {
  return fc.constantFrom(...routes).chain((route) =>
    fc.record({
      route: fc.constant(route),
      authorizer: identity,
      id: pathId,
      body: body(route.handler),
      isBase64Encoded: fc.oneof({ weight: 9, arbitrary: fc.constant(false) }, fc.constant(true)),
      query,
      advanceMs: fc.oneof(
        { weight: 20, arbitrary: fc.constant(0) },
        { weight: 1, arbitrary: fc.integer({ min: 1, max: 3 * HOUR_MS }) },
      ),
    }),
  );
}

function eventOf(call: FuzzCall, ids: string[]): APIGatewayProxyEvent {
  const route = call.route;
  const id = "known" in call.id ? (ids[call.id.known % ids.length] ?? null) : call.id.raw;
  const hasId = route.path.includes("{id}");
  const path = hasId ? route.path.replace("{id}", id ?? "") : route.path;
  const bodyText =
    call.body !== null && call.isBase64Encoded ? Buffer.from(call.body).toString("base64") : call.body;
  return {
    resource: route.path,
    path,
    httpMethod: route.method,
    headers: { "content-type": "application/json" },
    multiValueHeaders: {},
    queryStringParameters: call.query,
    multiValueQueryStringParameters: null,
    pathParameters: hasId && id !== null ? { id } : null,
    stageVariables: null,
    body: route.method === "GET" ? null : bodyText,
    isBase64Encoded: call.isBase64Encoded,
    requestContext: {
      requestId: randomUUID(),
      authorizer: route.public ? null : call.authorizer,
    } as unknown as APIGatewayProxyEvent["requestContext"],
  };
}

/** Runs one call and checks the three properties; throws (failing the property) on any breach. */
async function check(call: FuzzCall): Promise<void> {
  if (world.cases++ >= CASES_PER_WORLD) {
    const old = world;
    world = await newWorld();
    old.h.close();
    for (const table of [old.h.tables.requests, old.h.tables.audit])
      await world.h.ddb.send(new DeleteTableCommand({ TableName: table })).catch(() => undefined);
  }
  const { h, ids, handlers } = world;
  const handler = handlers[call.route.handler];
  if (!handler) throw new Error(`no handler for ${call.route.method} ${call.route.path}`);
  if (call.advanceMs > 0) h.clock.advance(call.advanceMs);
  // The store as it was before this call: kept from the last refused call (which must not have changed
  // it), taken afresh after a call that succeeded.
  const before = world.lastSnapshot ?? (await snapshot(h));
  world.lastSnapshot = undefined;
  const result = await handler(eventOf(call, ids));
  tally.tried++;
  const key = `${call.route.method} ${call.route.path} ${result.statusCode}`;
  tally.byStatus.set(key, (tally.byStatus.get(key) ?? 0) + 1);
  const where = `${call.route.method} ${call.route.path} answered ${result.statusCode}: ${result.body}`;
  if (result.statusCode >= 500) throw new Error(`5xx: ${where}`);
  const headers = result.headers ?? {};
  if (result.statusCode >= 400) {
    tally.refused++;
    if (headers["content-type"] !== "application/problem+json")
      throw new Error(`not a problem document: ${where}`);
    const doc = JSON.parse(result.body) as {
      status?: unknown;
      code?: unknown;
      detail?: unknown;
      type?: unknown;
    };
    if (typeof doc.code !== "string" || !STABLE_CODES.has(doc.code as ErrorCode))
      throw new Error(`no stable code: ${where}`);
    if (STATUS_BY_CODE[doc.code as ErrorCode] !== result.statusCode || doc.status !== result.statusCode)
      throw new Error(`status does not match the code: ${where}`);
    if (typeof doc.detail !== "string" || doc.detail === "") throw new Error(`no detail: ${where}`);
    const after = await snapshot(h);
    if (after !== before) throw new Error(`a refused call changed the store: ${where}`);
    world.lastSnapshot = after;
  } else {
    tally.succeeded++;
    if (headers["content-type"] !== "application/json") throw new Error(`not JSON: ${where}`);
    JSON.parse(result.body);
  }
}

beforeAll(async () => {
  keyPair = await generateLocalKey();
  world = await newWorld();
}, 60_000);

afterAll(() => {
  const statuses = [...tally.byStatus.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, n]) => `  ${key} ×${n}`)
    .join("\n");
  // The run says how much it tried: a fuzz that silently ran nothing would look like a pass.
  console.log(
    `JIT API fuzz: ${tally.tried} inputs tried over ${JIT_API_ROUTES.length} routes ` +
      `(${tally.succeeded} succeeded, ${tally.refused} refused):\n${statuses}`,
  );
  world?.h.close();
});

describe("JIT API fuzz (fast-check, real handlers on DynamoDB Local)", () => {
  it("has a handler for every route of the JIT API", () => {
    const missing = JIT_API_ROUTES.filter((r) => !world.handlers[r.handler]).map(
      (r) => `${r.method} ${r.path}`,
    );
    expect(missing).toEqual([]);
  });

  it(
    `answers ${RUNS} generated calls with no 5xx, a problem document with a stable code for every 4xx, and an unchanged store after every refusal`,
    async () => {
      const startTried = tally.tried;
      await fc.assert(fc.asyncProperty(fuzzCall(JIT_API_ROUTES), check), {
        numRuns: RUNS,
        ...(process.env.JIT_FUZZ_SEED ? { seed: Number(process.env.JIT_FUZZ_SEED) } : {}),
      });
      expect(tally.tried - startTried).toBeGreaterThanOrEqual(RUNS);
      // Both sides of the API were reached: some calls succeeded and some were refused.
      expect(tally.succeeded).toBeGreaterThan(0);
      expect(tally.refused).toBeGreaterThan(0);
    },
    Math.max(120_000, RUNS * 200),
  );
});
