import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TableNames } from "#functions/adapters/dynamodb/table-definitions.js";
import { ENV } from "#functions/config/environment.js";
import { handler as approveHandler } from "#functions/handlers/approve-request.js";
import { handler as createHandler } from "#functions/handlers/create-request.js";
import { handler as getHandler } from "#functions/handlers/get-request.js";
import { createTestTables, testDynamoDbClient, testDynamoDbEndpoint } from "#test/helpers/dynamodb.js";
import { lambdaPolicyJsonFile } from "#test/helpers/policy-json.js";
import { CapturingLogger } from "#test/unit/workflow/log-capture.js";
import { createWorkflowHarness, invoke, proxyEvent } from "./workflow-harness.js";

const alice = { sub: "alice", groups: ["engineers", "oncall"] };
const bob = { sub: "bob", groups: ["engineers", "sre"] };

describe("Lambda entries built from the environment", () => {
  const saved = { ...process.env };
  let tables: TableNames;
  beforeAll(async () => {
    const client = testDynamoDbClient();
    tables = await createTestTables(client, "wfenv");
    client.destroy();
    process.env[ENV.policyFile] = lambdaPolicyJsonFile({ file: "config/example.yaml" });
    process.env[ENV.requestsTable] = tables.requests;
    process.env[ENV.auditTable] = tables.audit;
    process.env[ENV.dynamodbEndpoint] = testDynamoDbEndpoint();
  });
  afterAll(() => {
    process.env = saved;
  });

  it("serves create, approve and read with the example policy on the configured DynamoDB endpoint", async () => {
    const created = await invoke(
      createHandler,
      proxyEvent({
        caller: alice,
        method: "POST",
        path: "/requests",
        body: {
          entitlement: "orders-admin",
          justification: "fix order 7",
          ticket: "INC-7",
          duration: "PT30M",
        },
      }),
    );
    expect(created.status).toBe(201);
    const id = created.body.requestId as string;
    const approved = await invoke(
      approveHandler,
      proxyEvent({ caller: bob, method: "POST", path: `/requests/${id}/approve`, id, body: {} }),
    );
    expect(approved.status).toBe(200);
    const read = await invoke(
      getHandler,
      proxyEvent({ caller: alice, method: "GET", path: `/requests/${id}`, id }),
    );
    expect(read.body).toMatchObject({ status: "APPROVED", active: true, durationSeconds: 1800 });
  });
});

describe("break-glass broadcast", () => {
  it("logs a break-glass grant at warn level with the actor and request id, and no secrets", async () => {
    const logger = new CapturingLogger();
    const h = await createWorkflowHarness({ logger });
    try {
      const res = await h.createRequest(alice, { entitlement: "break-glass", justification: "outage" });
      expect(res.status).toBe(201);
      const warn = logger.lines.find((l) => l.level === "WARN");
      expect(warn).toMatchObject({
        message: expect.stringContaining("BREAK-GLASS"),
        actor: "alice",
        jitRequestId: res.body.requestId,
        breakGlass: true,
        entitlement: "break-glass",
        outcome: "break_glass_granted",
        statusCode: 201,
      });
      expect(logger.raw.join("\n")).not.toMatch(/authorization|bearer/i);
    } finally {
      h.close();
    }
  });
});
