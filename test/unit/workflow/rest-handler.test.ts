import type { APIGatewayProxyEvent } from "aws-lambda";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { IDENTITY_CONTEXT } from "#functions/adapters/http/caller-identity.js";
import { createRestHandler } from "#functions/adapters/http/rest-handler.js";
import { restEntry } from "#functions/adapters/lambda/lazy-entry.js";
import { ConflictError } from "#functions/domain/errors.js";
import { handler as approveRequest } from "#functions/handlers/approve-request.js";
import { handler as cancelRequest } from "#functions/handlers/cancel-request.js";
import { handler as createRequest } from "#functions/handlers/create-request.js";
import { handler as denyRequest } from "#functions/handlers/deny-request.js";
import { handler as getAuditTrail } from "#functions/handlers/get-audit-trail.js";
import { handler as getRequest } from "#functions/handlers/get-request.js";
import { handler as listEntitlements } from "#functions/handlers/list-entitlements.js";
import { handler as listRequests } from "#functions/handlers/list-requests.js";
import { handler as revokeRequest } from "#functions/handlers/revoke-request.js";
import { CapturingLogger } from "./log-capture.js";

// Importing these modules must neither throw nor touch the network, whatever the environment.
const workflowHandlers = {
  listEntitlements,
  createRequest,
  listRequests,
  getRequest,
  getAuditTrail,
  approveRequest,
  denyRequest,
  cancelRequest,
  revokeRequest,
};

const TOKEN = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl";

function event(overrides: Partial<APIGatewayProxyEvent> = {}): APIGatewayProxyEvent {
  return {
    resource: "/requests/{id}/approve",
    path: "/requests/r-1/approve",
    httpMethod: "POST",
    headers: { Authorization: `Bearer ${TOKEN}` },
    multiValueHeaders: { Authorization: [`Bearer ${TOKEN}`] },
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters: { id: "r-1" },
    stageVariables: null,
    body: JSON.stringify({ comment: `secret ${TOKEN}` }),
    isBase64Encoded: false,
    requestContext: {
      requestId: "api-req-1",
      authorizer: { [IDENTITY_CONTEXT.sub]: "bob", [IDENTITY_CONTEXT.groups]: '["sre"]' },
    } as unknown as APIGatewayProxyEvent["requestContext"],
    ...overrides,
  };
}

const Body = z.strictObject({ comment: z.string().max(200).optional() });

describe("createRestHandler", () => {
  it("passes identity, id and the validated body to the route and logs one line without secrets", async () => {
    const logger = new CapturingLogger();
    let seen: unknown;
    const handler = createRestHandler({
      operation: "approve-request",
      logger,
      body: Body,
      pathId: true,
      handle: async (request) => {
        seen = { caller: request.caller, id: request.id, body: request.body };
        return { statusCode: 200, body: { ok: true }, outcome: "approved" };
      },
    });
    const res = await handler(event());
    expect(res.statusCode).toBe(200);
    expect(res.headers?.["content-type"]).toBe("application/json");
    expect(seen).toEqual({
      caller: { sub: "bob", groups: ["sre"] },
      id: "r-1",
      body: { comment: `secret ${TOKEN}` },
    });
    expect(logger.lines).toHaveLength(1);
    expect(logger.lines[0]).toMatchObject({
      level: "INFO",
      operation: "approve-request",
      apiRequestId: "api-req-1",
      actor: "bob",
      jitRequestId: "r-1",
      outcome: "approved",
      statusCode: 200,
    });
    expect(logger.raw.join("\n")).not.toContain(TOKEN);
    expect(logger.raw.join("\n")).not.toMatch(/authorization/i);
  });

  it("answers a refused action with its problem document and logs the code at info", async () => {
    const logger = new CapturingLogger();
    const handler = createRestHandler({
      operation: "approve-request",
      logger,
      pathId: true,
      handle: async () => {
        throw new ConflictError("Request r-1 is DENIED.", "invalid_state");
      },
    });
    const res = await handler(event());
    expect(res.statusCode).toBe(409);
    expect(JSON.parse(res.body)).toMatchObject({ code: "invalid_state", detail: "Request r-1 is DENIED." });
    expect(logger.lines[0]).toMatchObject({
      level: "INFO",
      outcome: "invalid_state",
      statusCode: 409,
      actor: "bob",
    });
  });

  it("hides unexpected errors behind a 500 and logs them at error level", async () => {
    const logger = new CapturingLogger();
    const handler = createRestHandler({
      operation: "get-request",
      logger,
      handle: async () => {
        throw new Error("connect ECONNREFUSED 10.0.0.1:443");
      },
    });
    const res = await handler(event());
    expect(res.statusCode).toBe(500);
    expect(res.body).not.toContain("ECONNREFUSED");
    expect(logger.lines[0]).toMatchObject({ level: "ERROR", outcome: "internal", statusCode: 500 });
    expect(logger.raw.join("\n")).not.toContain(TOKEN);
  });

  it("answers 401 without calling the route when the authorizer context is missing", async () => {
    let called = false;
    const handler = createRestHandler({
      operation: "list-requests",
      logger: new CapturingLogger(),
      handle: async () => {
        called = true;
        return { statusCode: 200, body: {}, outcome: "listed" };
      },
    });
    const res = await handler(event({ requestContext: {} as APIGatewayProxyEvent["requestContext"] }));
    expect(res.statusCode).toBe(401);
    expect(called).toBe(false);
  });

  it("decodes base64 bodies and refuses oversize ones", async () => {
    const handler = createRestHandler({
      operation: "approve-request",
      logger: new CapturingLogger(),
      body: Body,
      handle: async ({ body }) => ({ statusCode: 200, body, outcome: "ok" }),
    });
    const b64 = await handler(
      event({ body: Buffer.from('{"comment":"hi"}').toString("base64"), isBase64Encoded: true }),
    );
    expect(JSON.parse(b64.body)).toEqual({ comment: "hi" });
    const big = await handler(event({ body: JSON.stringify({ comment: "x".repeat(20_000) }) }));
    expect(big.statusCode).toBe(400);
    expect(JSON.parse(big.body)).toMatchObject({
      code: "invalid_request",
      field: "(body)",
      maxBytes: 16_384,
    });
  });
});

describe("restEntry", () => {
  it("builds once, answers a logged 500 when building fails, and retries on the next call", async () => {
    const logger = new CapturingLogger();
    let builds = 0;
    const handler = restEntry(() => {
      builds++;
      if (builds === 1) throw new Error("JIT_POLICY_FILE: must be set");
      return async () => ({ statusCode: 204, body: "" });
    }, logger);
    const first = await handler(event());
    expect(first.statusCode).toBe(500);
    expect(first.body).not.toContain("JIT_POLICY_FILE");
    expect(logger.lines[0]?.level).toBe("ERROR");
    expect((await handler(event())).statusCode).toBe(204);
    expect((await handler(event())).statusCode).toBe(204);
    expect(builds).toBe(2);
  });

  it("lets every workflow handler module be imported with no environment, and answers 500 when called", async () => {
    const saved = { ...process.env };
    for (const k of Object.keys(process.env)) if (k.startsWith("JIT_")) delete process.env[k];
    try {
      for (const [name, handler] of Object.entries(workflowHandlers)) {
        const res = await handler(event());
        expect(res.statusCode, name).toBe(500);
        expect(JSON.parse(res.body).code).toBe("internal");
      }
    } finally {
      process.env = saved;
    }
  });
});
