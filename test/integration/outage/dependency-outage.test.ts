import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Logger } from "@aws-lambda-powertools/logger";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RestHandler } from "#functions/adapters/http/rest-handler.js";
import {
  issueTokenDepsFromEnvironment,
  wellKnownDepsFromEnvironment,
} from "#functions/composition/tokens.js";
import { workflowDepsFromEnvironment } from "#functions/composition/workflow.js";
import { ENV } from "#functions/config/environment.js";
import { createApproveRequestHandler } from "#functions/handlers/approve-request.js";
import { createCreateRequestHandler } from "#functions/handlers/create-request.js";
import { createGetAuditTrailHandler } from "#functions/handlers/get-audit-trail.js";
import { createGetRequestHandler } from "#functions/handlers/get-request.js";
import { createIssueTokenHandler } from "#functions/handlers/issue-token.js";
import { createListRequestsHandler } from "#functions/handlers/list-requests.js";
import { createRevokeRequestHandler } from "#functions/handlers/revoke-request.js";
import { createWellKnownHandler, JWKS_PATH } from "#functions/handlers/well-known.js";
import {
  createTables,
  type DynamoDbLocal,
  localDynamoDbClient,
  startDynamoDbLocal,
} from "#local/dynamodb-local.js";
import { startTestKms, type TestKms } from "#test/helpers/kms.js";
import { lambdaPolicyJsonFile } from "#test/helpers/policy-json.js";
import { wellKnownEvent } from "#test/helpers/token-issue.js";
import {
  invoke,
  proxyEvent,
  type TestCaller,
  type TestResponse,
  USERS,
  WORKFLOW_POLICY_YAML,
} from "#test/integration/workflow/workflow-harness.js";

/**
 * H31 (AWS side): the JIT API's handlers, built by the production composition (the same SDK clients a
 * Lambda builds), answer 503 `unavailable` with `Retry-After` while DynamoDB or KMS is down, never a 500,
 * and recover by themselves when the dependency is back. This suite stops a PRIVATE DynamoDB Local (the
 * run's shared one keeps serving the other suites) and a private KMS-compatible endpoint.
 */

const TABLES = { requests: "Requests-outage", audit: "Audit-outage" };
const { alice, bob } = USERS;

let dataDir: string;
let db: DynamoDbLocal;
let kms: TestKms;
let env: NodeJS.ProcessEnv;
const logger = new Logger({ serviceName: "outage-test", logLevel: "SILENT" });

function workflowHandlers() {
  const deps = workflowDepsFromEnvironment(logger, env);
  return {
    create: createCreateRequestHandler(deps, logger),
    get: createGetRequestHandler(deps, logger),
    list: createListRequestsHandler(
      { ...deps, cursorKey: { key: async () => new Uint8Array(32).fill(7) } },
      logger,
    ),
    audit: createGetAuditTrailHandler(deps, logger),
    approve: createApproveRequestHandler(deps, logger),
    revoke: createRevokeRequestHandler(deps, logger),
  };
}

const post = (handler: RestHandler, caller: TestCaller, path: string, id?: string, body: unknown = {}) =>
  invoke(handler, proxyEvent({ caller, method: "POST", path, ...(id === undefined ? {} : { id }), body }));
const get = (
  handler: RestHandler,
  caller: TestCaller,
  path: string,
  id?: string,
  query?: Record<string, string>,
) => invoke(handler, proxyEvent({ caller, method: "GET", path, ...(id === undefined ? {} : { id }), query }));

function expectUnavailable(res: TestResponse, dependency: string): void {
  expect(res.status, JSON.stringify(res.body)).toBe(503);
  expect(res.headers["content-type"]).toBe("application/problem+json");
  expect(Number(res.headers["retry-after"])).toBeGreaterThanOrEqual(1);
  expect(res.body).toMatchObject({ status: 503, code: "unavailable" });
  expect(res.body.detail).toContain(dependency);
  const text = JSON.stringify(res.body);
  expect(text).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|at .*\.ts|stack/);
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "jit-outage-"));
  db = await startDynamoDbLocal({ dataDir: join(dataDir, "dynamodb") });
  const admin = localDynamoDbClient(db.endpoint);
  try {
    await createTables(admin, TABLES);
  } finally {
    admin.destroy();
  }
  kms = await startTestKms();
  const key = await kms.createSigningKey();
  env = {
    [ENV.policyFile]: lambdaPolicyJsonFile({ yaml: WORKFLOW_POLICY_YAML }),
    [ENV.requestsTable]: TABLES.requests,
    [ENV.auditTable]: TABLES.audit,
    [ENV.dynamodbEndpoint]: db.endpoint,
    [ENV.kmsEndpoint]: kms.server.endpoint,
    [ENV.issuer]: "https://jit.example.test/prod",
    [ENV.signingKeyId]: key.keyId,
    [ENV.publicKeyIds]: key.keyId,
  };
}, 90_000);

afterAll(async () => {
  await db?.stop();
  await kms?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe("H31 dependency outage: JIT API answers 503 unavailable with Retry-After", () => {
  it("while KMS is stopped: token issue and the JWKS answer 503, the grant is untouched", async () => {
    const wf = workflowHandlers();
    const created = await post(wf.create, alice, "/requests", undefined, { entitlement: "ops-read" });
    expect(created.status).toBe(201);
    const id = created.body.requestId as string;
    expect((await post(wf.approve, bob, `/requests/${id}/approve`, id)).body.status).toBe("APPROVED");
    const issue = createIssueTokenHandler(issueTokenDepsFromEnvironment(env), logger);
    expect((await post(issue, alice, `/requests/${id}/token`, id)).status).toBe(201);
    // A cold well-known container, which has not fetched the public key yet.
    const wellKnown = createWellKnownHandler(wellKnownDepsFromEnvironment(env), logger);

    await kms.server.stop();

    expectUnavailable(await post(issue, alice, `/requests/${id}/token`, id), "KMS");
    const jwks = await wellKnown(wellKnownEvent(JWKS_PATH));
    expect(jwks.statusCode).toBe(503);
    expect(jwks.headers).toMatchObject({ "retry-after": "5", "cache-control": "no-store" });
    expect((await get(wf.get, alice, `/requests/${id}`, id)).body.status).toBe("APPROVED");
  });

  // DynamoDB Local takes up to half a minute to start again on a busy machine.
  it("while DynamoDB is stopped: every route answers 503, and after the restart every acknowledged write is there", {
    timeout: 120_000,
  }, async () => {
    const wf = workflowHandlers();
    const created = await post(wf.create, alice, "/requests", undefined, { entitlement: "ops-read" });
    const id = created.body.requestId as string;
    const approved = await post(wf.approve, bob, `/requests/${id}/approve`, id);
    expect(approved.body).toMatchObject({ status: "APPROVED", version: 2 });
    const pending = await post(wf.create, alice, "/requests", undefined, { entitlement: "ops-read" });
    const pendingId = pending.body.requestId as string;
    // A cold container too: its first DynamoDB call happens during the outage.
    const issue = createIssueTokenHandler(issueTokenDepsFromEnvironment(env), logger);

    const port = db.port;
    await db.stop();

    const burst = await Promise.all([
      post(wf.create, alice, "/requests", undefined, { entitlement: "ops-read" }),
      get(wf.get, alice, `/requests/${id}`, id),
      get(wf.list, alice, "/requests", undefined, { mine: "" }),
      get(wf.list, bob, "/requests", undefined, { pending: "" }),
      get(wf.audit, alice, `/requests/${id}/audit`, id),
      post(wf.approve, bob, `/requests/${pendingId}/approve`, pendingId),
      post(wf.revoke, alice, `/requests/${id}/revoke`, id, { reason: "done" }),
      post(issue, alice, `/requests/${id}/token`, id),
    ]);
    for (const res of burst) expectUnavailable(res, "DynamoDB");

    db = await startDynamoDbLocal({ dataDir: join(dataDir, "dynamodb"), port });

    // The same containers recover without a restart, and nothing acknowledged before the outage is lost.
    expect((await get(wf.get, alice, `/requests/${id}`, id)).body).toMatchObject({
      status: "APPROVED",
      version: 2,
    });
    expect((await get(wf.get, alice, `/requests/${pendingId}`, pendingId)).body.status).toBe("PENDING");
    const trail = await get(wf.audit, alice, `/requests/${id}/audit`, id);
    expect(trail.body.events.map((e: { action: string }) => e.action)).toEqual(["REQUESTED", "APPROVED"]);
    expect((await post(wf.revoke, alice, `/requests/${id}/revoke`, id, { reason: "done" })).body.status).toBe(
      "REVOKED",
    );
  });
});
