import { randomBytes, randomUUID } from "node:crypto";
import { Logger } from "@aws-lambda-powertools/logger";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { APIGatewayProxyEvent } from "aws-lambda";
import { DynamoDbAuditLog } from "#functions/adapters/dynamodb/dynamodb-audit-log.js";
import { DynamoDbRequestRepository } from "#functions/adapters/dynamodb/dynamodb-request-repository.js";
import type { TableNames } from "#functions/adapters/dynamodb/table-definitions.js";
import { IDENTITY_CONTEXT } from "#functions/adapters/http/caller-identity.js";
import type { RestHandler } from "#functions/adapters/http/rest-handler.js";
import { parsePolicy } from "#functions/config/load-policy.js";
import { createApproveRequestHandler } from "#functions/handlers/approve-request.js";
import { createCancelRequestHandler } from "#functions/handlers/cancel-request.js";
import { createCreateRequestHandler } from "#functions/handlers/create-request.js";
import { createDenyRequestHandler } from "#functions/handlers/deny-request.js";
import { createExtendRequestHandler } from "#functions/handlers/extend-request.js";
import { createGetAuditTrailHandler } from "#functions/handlers/get-audit-trail.js";
import { createGetRequestHandler } from "#functions/handlers/get-request.js";
import { createListEntitlementsHandler } from "#functions/handlers/list-entitlements.js";
import { createListRequestsHandler } from "#functions/handlers/list-requests.js";
import { createReviewRequestHandler } from "#functions/handlers/review-request.js";
import { createRevokeRequestHandler } from "#functions/handlers/revoke-request.js";
import type { WorkflowDeps } from "#functions/use-cases/workflow-deps.js";
import { ManualClock } from "#test/helpers/clock.js";
import { createTestTables, testDynamoDbClient } from "#test/helpers/dynamodb.js";

/** The policy every workflow integration test runs against. */
export const WORKFLOW_POLICY_YAML = `
tokenTtl: PT15M
adminGroups: [jit-admins]
entitlements:
  - id: ops-read
    description: Read the ops API
    audience: ops-api
    permissions: ["GET /ops/*"]
    eligibleGroups: [engineers]
    approverGroups: [sre]
    maxDuration: PT1H
    defaultDuration: PT30M
    approvalTimeout: PT1H
    requireJustification: false
  - id: db-admin
    description: Administer the database (two approvers)
    audience: db-api
    permissions: ["* /db/*"]
    eligibleGroups: [engineers]
    approverGroups: [sre, dba]
    minApprovals: 2
    maxDuration: PT4H
    defaultDuration: PT1H
    approvalTimeout: PT2H
    requireJustification: true
    ticketPattern: "INC-[0-9]+"
  - id: auto-read
    description: Read-only access, granted at once
    audience: ops-api
    permissions: ["GET /ops/status"]
    eligibleGroups: [engineers]
    autoApprove: true
    requireJustification: false
    maxDuration: PT8H
    defaultDuration: PT1H
  - id: break-glass
    description: Emergency access
    audience: ops-api
    permissions: ["* /*"]
    eligibleGroups: [oncall]
    breakGlass: true
    maxDuration: PT1H
    defaultDuration: PT30M
    requireJustification: true
  - id: payments
    description: Payments API
    audience: payments-api
    permissions: ["POST /payments/*"]
    eligibleGroups: [engineers]
    approverGroups: [payments-approvers]
    maxDuration: PT1H
    requireJustification: false
`;

/** Test identities: `sub` and groups as the identity authorizer would pass them. */
export const USERS = {
  alice: { sub: "alice", groups: ["engineers", "oncall"] },
  bob: { sub: "bob", groups: ["engineers", "sre"] },
  carol: { sub: "carol", groups: ["sre", "dba"] },
  erin: { sub: "erin", groups: ["sre"] },
  dave: { sub: "dave", groups: ["jit-admins"] },
  mallory: { sub: "mallory", groups: ["engineers"] },
  paula: { sub: "paula", groups: ["payments-approvers"] },
} as const;

/** A caller: `sub` + groups, or `null` for an event without authorizer context. */
export type TestCaller = { sub: string; groups: readonly string[] } | null;

/** Builds an API Gateway REST proxy event as the identity authorizer leaves it. */
export function proxyEvent(options: {
  caller: TestCaller;
  method: string;
  path: string;
  id?: string;
  body?: unknown;
  rawBody?: string;
  query?: Record<string, string>;
  headers?: Record<string, string>;
}): APIGatewayProxyEvent {
  const body =
    options.rawBody !== undefined
      ? options.rawBody
      : options.body === undefined
        ? null
        : JSON.stringify(options.body);
  return {
    resource: options.id === undefined ? options.path : options.path.replace(options.id, "{id}"),
    path: options.path,
    httpMethod: options.method,
    headers: { "content-type": "application/json", ...options.headers },
    multiValueHeaders: {},
    queryStringParameters: options.query ?? null,
    multiValueQueryStringParameters: null,
    pathParameters: options.id === undefined ? null : { id: options.id },
    stageVariables: null,
    body,
    isBase64Encoded: false,
    requestContext: {
      requestId: randomUUID(),
      authorizer:
        options.caller === null
          ? null
          : {
              [IDENTITY_CONTEXT.sub]: options.caller.sub,
              [IDENTITY_CONTEXT.groups]: JSON.stringify(options.caller.groups),
            },
    } as unknown as APIGatewayProxyEvent["requestContext"],
  };
}

/** A parsed response. */
export interface TestResponse {
  status: number;
  headers: Record<string, string | number | boolean>;
  // biome-ignore lint/suspicious/noExplicitAny: JSON response bodies are asserted field by field.
  body: any;
}

/** A workflow with all handlers on fresh DynamoDB Local tables and a ManualClock. */
export interface WorkflowHarness {
  deps: WorkflowDeps;
  clock: ManualClock;
  doc: DynamoDBDocumentClient;
  ddb: DynamoDBClient;
  tables: TableNames;
  /** Items the repository left out of lists as malformed. */
  malformed: unknown[];
  handlers: Record<
    | "listEntitlements"
    | "create"
    | "list"
    | "get"
    | "audit"
    | "approve"
    | "deny"
    | "cancel"
    | "revoke"
    | "review"
    | "extend",
    RestHandler
  >;
  createRequest(caller: TestCaller, body: unknown): Promise<TestResponse>;
  act(
    action: "approve" | "deny" | "cancel" | "revoke" | "review" | "extend",
    caller: TestCaller,
    id: string,
    body?: unknown,
  ): Promise<TestResponse>;
  getRequest(caller: TestCaller, id: string): Promise<TestResponse>;
  auditTrail(caller: TestCaller, id: string): Promise<TestResponse>;
  list(caller: TestCaller, query: Record<string, string>): Promise<TestResponse>;
  close(): void;
}

/** Runs a handler and parses its JSON body. */
export async function invoke(handler: RestHandler, event: APIGatewayProxyEvent): Promise<TestResponse> {
  const result = await handler(event);
  return {
    status: result.statusCode,
    headers: (result.headers ?? {}) as TestResponse["headers"],
    body: JSON.parse(result.body),
  };
}

/** The key sealing this test run's list cursors (in AWS a Secrets Manager secret, locally a key file). */
const cursorKey = new Uint8Array(randomBytes(32));

/** Creates fresh tables and the handlers wired to real DynamoDB Local adapters. */
export async function createWorkflowHarness(
  options: { policyYaml?: string; logger?: Logger } = {},
): Promise<WorkflowHarness> {
  const ddb = testDynamoDbClient();
  const tables = await createTestTables(ddb, "wf");
  const doc = DynamoDBDocumentClient.from(ddb, { marshallOptions: { removeUndefinedValues: true } });
  const audit = new DynamoDbAuditLog(doc, tables.audit);
  const malformed: unknown[] = [];
  const requests = new DynamoDbRequestRepository(doc, tables.requests, audit, (item) => malformed.push(item));
  // Real time (whole seconds), so stored TTLs are realistic epoch seconds; tests move it forward.
  const clock = new ManualClock(Math.floor(Date.now() / 1000) * 1000);
  const deps: WorkflowDeps = {
    requests,
    audit,
    policy: parsePolicy(options.policyYaml ?? WORKFLOW_POLICY_YAML, "workflow-test-policy.yaml"),
    clock,
    ids: { requestId: () => randomUUID() },
  };
  const logger =
    options.logger ??
    new Logger({
      serviceName: "workflow-test",
      logLevel: (process.env.WORKFLOW_TEST_LOG_LEVEL ?? "SILENT") as "SILENT",
    });
  const handlers = {
    listEntitlements: createListEntitlementsHandler(deps, logger),
    create: createCreateRequestHandler(deps, logger),
    list: createListRequestsHandler({ ...deps, cursorKey: { key: async () => cursorKey } }, logger),
    get: createGetRequestHandler(deps, logger),
    audit: createGetAuditTrailHandler(deps, logger),
    approve: createApproveRequestHandler(deps, logger),
    deny: createDenyRequestHandler(deps, logger),
    cancel: createCancelRequestHandler(deps, logger),
    revoke: createRevokeRequestHandler(deps, logger),
    review: createReviewRequestHandler(deps, logger),
    extend: createExtendRequestHandler(deps, logger),
  };
  return {
    deps,
    clock,
    doc,
    ddb,
    tables,
    malformed,
    handlers,
    createRequest: (caller, body) =>
      invoke(handlers.create, proxyEvent({ caller, method: "POST", path: "/requests", body })),
    act: (action, caller, id, body) =>
      invoke(
        handlers[action],
        proxyEvent({ caller, method: "POST", path: `/requests/${id}/${action}`, id, body: body ?? {} }),
      ),
    getRequest: (caller, id) =>
      invoke(handlers.get, proxyEvent({ caller, method: "GET", path: `/requests/${id}`, id })),
    auditTrail: (caller, id) =>
      invoke(handlers.audit, proxyEvent({ caller, method: "GET", path: `/requests/${id}/audit`, id })),
    list: (caller, query) =>
      invoke(handlers.list, proxyEvent({ caller, method: "GET", path: "/requests", query })),
    close: () => {
      doc.destroy();
      ddb.destroy();
    },
  };
}
