import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RestHandler } from "#functions/adapters/http/rest-handler.js";
import {
  createWorkflowHarness,
  invoke,
  proxyEvent,
  type TestResponse,
  USERS,
  type WorkflowHarness,
} from "./workflow-harness.js";

const { alice, bob, carol } = USERS;

let h: WorkflowHarness;
let pendingId: string;
let deniedId: string;
beforeAll(async () => {
  h = await createWorkflowHarness();
  pendingId = (await h.createRequest(alice, { entitlement: "ops-read" })).body.requestId;
  deniedId = (await h.createRequest(alice, { entitlement: "ops-read" })).body.requestId;
  await h.act("deny", bob, deniedId, { reason: "no" });
});
afterAll(() => h.close());

function expectProblem(res: TestResponse, status: number, code: string, mentions: string): void {
  expect(res.status).toBe(status);
  expect(res.headers["content-type"]).toBe("application/problem+json");
  expect(res.body).toMatchObject({ status, code, type: expect.stringContaining(code) });
  expect(res.body.detail).toContain(mentions);
  expect(res.body.detail).not.toMatch(/at .*\.ts:\d+/);
}

function post(handler: keyof WorkflowHarness["handlers"], path: string, rawBody: string, id?: string) {
  return invoke(
    h.handlers[handler] as RestHandler,
    proxyEvent({ caller: alice, method: "POST", path, id, rawBody }),
  );
}

describe("caller mistakes are 4xx problem documents naming what is wrong", () => {
  it("answers bad JSON with 400 invalid_json", async () => {
    expectProblem(await post("create", "/requests", "{entitlement:"), 400, "invalid_json", "not valid JSON");
    expectProblem(
      await post("approve", `/requests/${pendingId}/approve`, "{", pendingId),
      400,
      "invalid_json",
      "not valid JSON",
    );
  });

  it("answers a body that is not an object, or misses the entitlement, with 400 naming the field", async () => {
    const array = await post("create", "/requests", "[]");
    expectProblem(array, 400, "invalid_request", "(root)");
    const empty = await post("create", "/requests", "");
    expectProblem(empty, 400, "invalid_request", "entitlement");
    expect(empty.body.field).toBe("entitlement");
  });

  it("answers an unknown entitlement with 404 unknown_entitlement", async () => {
    expectProblem(
      await h.createRequest(alice, { entitlement: "nope" }),
      404,
      "unknown_entitlement",
      '"nope"',
    );
  });

  it("answers a caller who is not eligible with 403 not_eligible naming the groups", async () => {
    expectProblem(
      await h.createRequest(carol, { entitlement: "ops-read" }),
      403,
      "not_eligible",
      '"engineers"',
    );
  });

  it("answers a missing or malformed ticket and a missing justification with 400 naming the field", async () => {
    const base = { entitlement: "db-admin", justification: "why" };
    const missing = await h.createRequest(alice, base);
    expectProblem(missing, 400, "invalid_request", "ticket");
    expect(missing.body.field).toBe("ticket");
    expectProblem(
      await h.createRequest(alice, { ...base, ticket: "INC-12x" }),
      400,
      "invalid_request",
      "INC-[0-9]+",
    );
    const noWhy = await h.createRequest(alice, {
      entitlement: "db-admin",
      ticket: "INC-1",
      justification: "  ",
    });
    expectProblem(noWhy, 400, "invalid_request", "justification");
  });

  it("answers a bad startsAt with 400 naming it", async () => {
    expectProblem(
      await h.createRequest(alice, { entitlement: "ops-read", startsAt: "tomorrow" }),
      400,
      "invalid_request",
      "startsAt",
    );
    expectProblem(
      await h.createRequest(alice, { entitlement: "ops-read", startsAt: "2026-01-01T10:00:00" }),
      400,
      "invalid_request",
      "startsAt",
    );
  });

  it("answers an unknown request id with 404 not_found", async () => {
    const id = "00000000-0000-4000-8000-000000000000";
    expectProblem(await h.getRequest(alice, id), 404, "not_found", id);
    expectProblem(await h.act("approve", bob, id), 404, "not_found", id);
    expectProblem(await h.act("revoke", alice, id), 404, "not_found", id);
  });

  it("answers a path id that cannot be a request id with 400 naming id", async () => {
    expectProblem(await h.getRequest(alice, "a/../../b"), 400, "invalid_request", "id");
  });

  it("answers the wrong state with 409 invalid_state naming the state", async () => {
    expectProblem(await h.act("approve", carol, deniedId), 409, "invalid_state", "DENIED");
    expectProblem(await h.act("revoke", alice, pendingId), 409, "invalid_state", "PENDING");
  });

  it("answers a deny without a reason and unknown body fields with 400 naming the field", async () => {
    const noReason = await h.act("deny", bob, pendingId, {});
    expectProblem(noReason, 400, "invalid_request", "reason");
    expect(noReason.body.field).toBe("reason");
    const extra = await h.act("cancel", alice, pendingId, { force: true });
    expectProblem(extra, 400, "invalid_request", '"force"');
    expect((await h.getRequest(alice, pendingId)).body.status).toBe("PENDING");
  });

  it("answers a list without exactly one of mine, pending, active and breakGlass with 400", async () => {
    expectProblem(await h.list(alice, {}), 400, "invalid_request", "exactly one");
    expectProblem(await h.list(alice, { mine: "", pending: "" }), 400, "invalid_request", "exactly one");
    expectProblem(await h.list(alice, { active: "", pending: "" }), 400, "invalid_request", "exactly one");
    expectProblem(await h.list(alice, { breakGlass: "" }), 400, "invalid_request", "unreviewed");
    expectProblem(await h.list(alice, { active: "", unreviewed: "" }), 400, "invalid_request", "unreviewed");
    expectProblem(await h.list(alice, { pending: "", all: "" }), 400, "invalid_request", "all");
  });

  it("answers a call without identity context with 401 unauthenticated", async () => {
    expectProblem(
      await h.createRequest(null, { entitlement: "ops-read" }),
      401,
      "unauthenticated",
      "identity",
    );
    expectProblem(await h.list(null, { mine: "" }), 401, "unauthenticated", "identity");
  });
});
