import { DescribeTimeToLiveCommand, GetItemCommand } from "@aws-sdk/client-dynamodb";
import { GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { DynamoDbAuditLog } from "#functions/adapters/dynamodb/dynamodb-audit-log.js";
import { DynamoDbRequestReader } from "#functions/adapters/dynamodb/dynamodb-request-reader.js";
import { DynamoDbRequestRepository } from "#functions/adapters/dynamodb/dynamodb-request-repository.js";
import { MalformedRequestItemError } from "#functions/adapters/dynamodb/request-item.js";
import { REQUESTS_TABLE, TTL_ATTRIBUTE } from "#functions/adapters/dynamodb/table-definitions.js";
import { parsePolicy } from "#functions/config/load-policy.js";
import { isGrantActive } from "#functions/domain/access-request.js";
import type { Clock } from "#functions/domain/clock.js";
import { createRevokeRequestHandler } from "#functions/handlers/revoke-request.js";
import {
  createWorkflowHarness,
  invoke,
  proxyEvent,
  USERS,
  WORKFLOW_POLICY_YAML,
  type WorkflowHarness,
} from "./workflow-harness.js";

const { alice, bob, carol, erin, dave, mallory, paula } = USERS;
const HOUR_MS = 3_600_000;
/** Round-based races do bounded work, but on a loaded 2-core machine they can outlast the default. */
const RACE_TIMEOUT_MS = 180_000;

let h: WorkflowHarness;
beforeAll(async () => {
  h = await createWorkflowHarness();
});
afterAll(() => h.close());

async function approvedGrant(
  requester: { sub: string; groups: readonly string[] } = alice,
  body: Record<string, unknown> = {},
): Promise<string> {
  const created = await h.createRequest(requester, { entitlement: "ops-read", ...body });
  expect(created.status).toBe(201);
  const approved = await h.act("approve", bob.sub === requester.sub ? erin : bob, created.body.requestId);
  expect(approved.body.status).toBe("APPROVED");
  return created.body.requestId;
}

async function rawItem(id: string): Promise<Record<string, unknown> | undefined> {
  const out = await h.doc.send(
    new GetCommand({ TableName: h.tables.requests, Key: { requestId: id }, ConsistentRead: true }),
  );
  return out.Item;
}

async function actions(id: string): Promise<string[]> {
  return (await h.deps.audit.list(id)).map((e) => e.action);
}

function ids(res: { body: { requests: { requestId: string }[] } }): string[] {
  return res.body.requests.map((r) => r.requestId);
}

describe("H15 TTL is late", () => {
  it("shows a grant 60 s past expiresAt as EXPIRED, leaves it out of ?mine and refuses revoke and approve", async () => {
    const id = await approvedGrant(mallory, { duration: "PT10M" });
    h.clock.advance(10 * 60_000 + 60_000);
    expect(await rawItem(id)).toMatchObject({ status: "APPROVED" });
    const stored = await h.deps.requests.get(id, { consistentRead: true });
    expect(stored && isGrantActive(stored, h.clock.nowMs())).toBe(false);

    const read = await h.getRequest(mallory, id);
    expect(read.body).toMatchObject({ status: "EXPIRED", active: false });
    expect(ids(await h.list(mallory, { mine: "" }))).not.toContain(id);
    const all = await h.list(mallory, { mine: "", all: "" });
    expect(all.body.requests.find((r: { requestId: string }) => r.requestId === id)?.status).toBe("EXPIRED");

    const revoke = await h.act("revoke", mallory, id);
    expect(revoke.status).toBe(410);
    expect(revoke.body.code).toBe("expired");
    const approve = await h.act("approve", erin, id);
    expect(approve.status).toBe(409);
    expect(await rawItem(id)).toMatchObject({ status: "APPROVED", version: 2 });
  });

  it("leaves a pending request 60 s past its deadline out of ?pending and ?mine", async () => {
    const created = await h.createRequest(mallory, { entitlement: "ops-read" });
    const id = created.body.requestId;
    expect(ids(await h.list(bob, { pending: "" }))).toContain(id);
    h.clock.advance(HOUR_MS + 60_000);
    expect(await rawItem(id)).toHaveProperty("statusEntitlement", "PENDING#ops-read");
    expect(ids(await h.list(bob, { pending: "" }))).not.toContain(id);
    expect(ids(await h.list(mallory, { mine: "" }))).not.toContain(id);
  });
});

describe("H16 TTL unit", () => {
  it("stores the TTL as a 10-digit Number of epoch seconds within [now, now + maxDuration]", async () => {
    const nowSeconds = Math.floor(h.clock.nowMs() / 1000);
    const created = await h.createRequest(alice, { entitlement: "ops-read", duration: "PT1H" });
    const id = created.body.requestId;
    const pendingTtl = await lowLevelTtl(id);
    expect(pendingTtl).toBe(Math.ceil(Date.parse(created.body.approvalDeadline) / 1000));

    await h.act("approve", bob, id);
    const ttl = await lowLevelTtl(id);
    expect(String(ttl)).toMatch(/^\d{10}$/);
    expect(ttl).toBeGreaterThanOrEqual(nowSeconds);
    expect(ttl).toBeLessThanOrEqual(nowSeconds + 3600);
    const grant = await h.getRequest(alice, id);
    expect(ttl).toBe(Math.ceil(Date.parse(grant.body.expiresAt) / 1000));
  });

  it("writes the TTL attribute the table definitions (and so CDK and DynamoDB Local) enable", async () => {
    expect(REQUESTS_TABLE.ttlAttribute).toBe(TTL_ATTRIBUTE);
    const ttl = await h.ddb.send(new DescribeTimeToLiveCommand({ TableName: h.tables.requests }));
    expect(ttl.TimeToLiveDescription?.AttributeName).toBe(TTL_ATTRIBUTE);
    const id = await approvedGrant();
    expect(await rawItem(id)).toHaveProperty(TTL_ATTRIBUTE);
  });

  it("refuses an item holding a millisecond TTL on every path", async () => {
    const id = await approvedGrant();
    const item = (await rawItem(id)) as Record<string, unknown>;
    const msTtl = (item[TTL_ATTRIBUTE] as number) * 1000;
    await h.doc.send(
      new PutCommand({ TableName: h.tables.requests, Item: { ...item, [TTL_ATTRIBUTE]: msTtl } }),
    );

    const reader = new DynamoDbRequestReader(h.doc, h.tables.requests);
    await expect(reader.get(id, { consistentRead: true })).rejects.toBeInstanceOf(MalformedRequestItemError);

    const read = await h.getRequest(alice, id);
    expect(read.status).toBe(500);
    expect(read.body.code).toBe("internal");
    expect(JSON.stringify(read.body)).not.toContain(TTL_ATTRIBUTE);
    const revoke = await h.act("revoke", alice, id);
    expect(revoke.status).toBe(500);
    expect(await rawItem(id)).toMatchObject({ status: "APPROVED", [TTL_ATTRIBUTE]: msTtl });
    expect(ids(await h.list(alice, { mine: "", all: "" }))).not.toContain(id);
    expect(h.malformed).toContainEqual(expect.objectContaining({ requestId: id }));
  });
});

async function lowLevelTtl(id: string): Promise<number> {
  const out = await h.ddb.send(
    new GetItemCommand({ TableName: h.tables.requests, Key: { requestId: { S: id } }, ConsistentRead: true }),
  );
  const attribute = out.Item?.[TTL_ATTRIBUTE];
  expect(attribute).toHaveProperty("N");
  return Number(attribute?.N);
}

describe("H18 races", () => {
  // Each reading of the clock is 1 ms later, as on a real system: racers' audit event ids then differ,
  // so only the request's status/version condition can stop a double transition.
  let frozen: Clock;
  beforeEach(() => {
    frozen = h.deps.clock;
    let tick = 0;
    h.deps.clock = { nowMs: () => frozen.nowMs() + (tick++ % 1000) };
  });
  afterEach(() => {
    h.deps.clock = frozen;
  });

  it(
    "lets exactly one of approve and deny win when fired together, 50 rounds",
    async () => {
      for (let round = 0; round < 50; round++) {
        const created = await h.createRequest(alice, { entitlement: "ops-read" });
        const id = created.body.requestId as string;
        const [approve, deny] = await Promise.all([
          h.act("approve", bob, id),
          h.act("deny", erin, id, { reason: `round ${round}` }),
        ]);
        const statuses = [approve.status, deny.status].sort();
        expect(statuses, `round ${round}`).toEqual([200, 409]);
        const winner = approve.status === 200 ? "APPROVED" : "DENIED";
        expect((await rawItem(id))?.status).toBe(winner);
        expect(await actions(id)).toEqual(["REQUESTED", winner]);
      }
    },
    RACE_TIMEOUT_MS,
  );

  it(
    "lets one of two approvers win at once when one approval is needed, 20 rounds",
    async () => {
      for (let round = 0; round < 20; round++) {
        const created = await h.createRequest(alice, { entitlement: "ops-read" });
        const id = created.body.requestId;
        const results = await Promise.all([h.act("approve", bob, id), h.act("approve", erin, id)]);
        expect(results.map((r) => r.status).sort(), `round ${round}`).toEqual([200, 409]);
        const stored = await rawItem(id);
        expect(stored).toMatchObject({ status: "APPROVED", version: 2 });
        expect(stored?.approvals).toHaveLength(1);
        expect(await actions(id)).toEqual(["REQUESTED", "APPROVED"]);
      }
    },
    RACE_TIMEOUT_MS,
  );

  it("refuses deny after approve and approve after deny: terminal states stay terminal", async () => {
    const approvedId = await approvedGrant();
    const deny = await h.act("deny", erin, approvedId, { reason: "too late" });
    expect(deny.status).toBe(409);
    expect(deny.body.code).toBe("invalid_state");

    const created = await h.createRequest(alice, { entitlement: "ops-read" });
    const deniedId = created.body.requestId;
    await h.act("deny", bob, deniedId, { reason: "no" });
    for (const [action, caller, body] of [
      ["approve", erin, {}],
      ["cancel", alice, {}],
      ["revoke", dave, {}],
    ] as const) {
      const res = await h.act(action, caller, deniedId, body);
      expect(res.status, action).toBe(409);
      expect(res.body.code).toBe("invalid_state");
    }
    expect((await rawItem(deniedId))?.status).toBe("DENIED");
    expect(await actions(deniedId)).toEqual(["REQUESTED", "DENIED"]);
  });

  it(
    "counts a replayed approval once, whether replayed at once or later, 20 rounds",
    async () => {
      for (let round = 0; round < 20; round++) {
        const created = await h.createRequest(alice, {
          entitlement: "db-admin",
          justification: "schema change",
          ticket: "INC-7",
        });
        const id = created.body.requestId;
        const together = await Promise.all([h.act("approve", bob, id), h.act("approve", bob, id)]);
        expect(together.map((r) => r.status).sort(), `round ${round}`).toEqual([200, 409]);
        const later = await h.act("approve", bob, id);
        expect(later.status).toBe(409);
        expect(later.body.code).toBe("already_approved");
        expect(await rawItem(id)).toMatchObject({ status: "PENDING", version: 2 });
        expect(await actions(id)).toEqual(["REQUESTED", "APPROVAL_RECORDED"]);
      }
    },
    RACE_TIMEOUT_MS,
  );
});

describe("H19 self-approval", () => {
  it("refuses the requester's own approval although they are in the approver group", async () => {
    const created = await h.createRequest(bob, { entitlement: "ops-read" });
    const res = await h.act("approve", bob, created.body.requestId);
    expect(res.status).toBe(403);
    expect(res.body.code).toBe("self_approval");
    expect((await rawItem(created.body.requestId))?.status).toBe("PENDING");
    expect(ids(await h.list(bob, { pending: "" }))).not.toContain(created.body.requestId);
  });

  it("refuses an admin approving their own request", async () => {
    const admin = { sub: "zed", groups: ["engineers", "sre", "jit-admins"] };
    const created = await h.createRequest(admin, { entitlement: "ops-read" });
    const res = await h.act("approve", admin, created.body.requestId);
    expect(res.status).toBe(403);
    expect(res.body.code).toBe("self_approval");
  });

  it("refuses the same person whose sub differs only in case", async () => {
    const requester = { sub: "alice.smith@example.com", groups: ["engineers"] };
    const sameInOtherCase = { sub: "Alice.Smith@Example.COM", groups: ["sre"] };
    const created = await h.createRequest(requester, { entitlement: "ops-read" });
    const res = await h.act("approve", sameInOtherCase, created.body.requestId);
    expect(res.status).toBe(403);
    expect(res.body.code).toBe("self_approval");
  });

  it("takes identity only from the authorizer context, refusing identity fields in the body", async () => {
    const res = await h.createRequest(mallory, { entitlement: "ops-read", requester: "bob" });
    expect(res.status).toBe(400);
    expect(res.body.field).toBe("requester");
    const created = await h.createRequest(mallory, { entitlement: "ops-read" });
    const approve = await h.act("approve", mallory, created.body.requestId, { approver: "bob" });
    expect(approve.status).toBe(400);
    expect((await rawItem(created.body.requestId))?.approvals).toEqual([]);
  });
});

describe("H20 approver scope", () => {
  it("refuses an approver removed from the group after the request was created", async () => {
    const created = await h.createRequest(alice, { entitlement: "ops-read" });
    expect(ids(await h.list(carol, { pending: "" }))).toContain(created.body.requestId);
    const carolNow = { sub: carol.sub, groups: ["dba"] };
    const res = await h.act("approve", carolNow, created.body.requestId);
    expect(res.status).toBe(403);
    expect(res.body.code).toBe("forbidden");
    expect(ids(await h.list(carolNow, { pending: "" }))).not.toContain(created.body.requestId);
    expect((await rawItem(created.body.requestId))?.status).toBe("PENDING");
  });

  it("refuses an approver of another entitlement", async () => {
    const created = await h.createRequest(alice, { entitlement: "ops-read" });
    const res = await h.act("approve", paula, created.body.requestId);
    expect(res.status).toBe(403);
    expect(res.body.detail).toContain("ops-read");
    expect(ids(await h.list(paula, { pending: "" }))).not.toContain(created.body.requestId);
    const deny = await h.act("deny", paula, created.body.requestId, { reason: "x" });
    expect(deny.status).toBe(403);
  });

  it("refuses at policy load an entitlement that needs approval but names no approver group", () => {
    const yaml = WORKFLOW_POLICY_YAML.replace("    approverGroups: [sre]\n", "");
    expect(() => parsePolicy(yaml, "p.yaml")).toThrow(/approverGroups: needs at least one approver group/);
  });

  it("never lets a requester who is the only approver get their request approved: it expires", async () => {
    const created = await h.createRequest(bob, { entitlement: "ops-read" });
    const id = created.body.requestId;
    expect((await h.act("approve", bob, id)).status).toBe(403);
    h.clock.advance(HOUR_MS + 1_000);
    const late = await h.act("approve", bob, id);
    expect(late.status).toBe(403);
    expect((await h.getRequest(bob, id)).body.status).toBe("EXPIRED");
  });
});

describe("H21 durations", () => {
  it.each([
    [{ durationSeconds: 0 }, "durationSeconds"],
    [{ durationSeconds: -1 }, "durationSeconds"],
    [{ durationSeconds: 1e9 }, "durationSeconds"],
    [{ durationSeconds: "3600" }, "durationSeconds"],
    [{ durationSeconds: 1.5 }, "durationSeconds"],
    [{ duration: "PT0S" }, "duration"],
    [{ duration: "-PT1H" }, "duration"],
    [{ duration: "P1M" }, "duration"],
    [{ duration: 3600 }, "duration"],
    [{ duration: "PT1H", durationSeconds: 3600 }, "duration"],
  ])("refuses %j with a 400 naming %s", async (input, field) => {
    const res = await h.createRequest(alice, { entitlement: "ops-read", ...input });
    expect(res.status).toBe(400);
    expect(res.headers["content-type"]).toBe("application/problem+json");
    expect(res.body.code).toBe("invalid_request");
    expect(res.body.field).toBe(field);
    expect(res.body.detail).toContain(field);
  });

  it("clamps maxDuration + 1 s to maxDuration and says so", async () => {
    const res = await h.createRequest(alice, { entitlement: "ops-read", durationSeconds: 3601 });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ durationSeconds: 3600, clamped: true, requestedDurationSeconds: 3601 });
    const iso = await h.createRequest(alice, { entitlement: "ops-read", duration: "PT2H" });
    expect(iso.body).toMatchObject({ durationSeconds: 3600, duration: "PT1H", clamped: true });

    const approved = await h.act("approve", bob, res.body.requestId);
    const windowMs = Date.parse(approved.body.expiresAt) - Date.parse(approved.body.grantedAt);
    expect(windowMs).toBe(3600_000);
    expect(await lowLevelTtl(res.body.requestId)).toBe(Math.ceil(Date.parse(approved.body.expiresAt) / 1000));
  });
});

describe("H22 revoke honesty", () => {
  it.each([
    ["the requester", alice],
    ["an approver", erin],
    ["an admin", dave],
  ])("lets %s revoke, and stores REVOKED before answering", async (_who, caller) => {
    const id = await approvedGrant();
    const res = await h.act("revoke", caller, id, { reason: "done" });
    expect(res.status).toBe(200);
    expect(res.body.status).toBe("REVOKED");
    expect(await rawItem(id)).toMatchObject({ status: "REVOKED", revokedBy: caller.sub, version: 3 });
  });

  it("refuses an unrelated user (403) and changes nothing", async () => {
    const id = await approvedGrant();
    const before = await rawItem(id);
    const res = await h.act("revoke", mallory, id);
    expect(res.status).toBe(403);
    expect(res.body.code).toBe("forbidden");
    expect(await rawItem(id)).toEqual(before);
    expect(await actions(id)).toEqual(["REQUESTED", "APPROVED"]);
  });

  it("refuses an expired grant with 410 and changes nothing", async () => {
    const id = await approvedGrant(alice, { duration: "PT5M" });
    h.clock.advance(5 * 60_000);
    const res = await h.act("revoke", alice, id);
    expect(res.status).toBe(410);
    expect(await rawItem(id)).toMatchObject({ status: "APPROVED", version: 2 });
  });

  it("is idempotent: twice in a row or at once, one REVOKED state and one audit event", async () => {
    const id = await approvedGrant();
    expect((await h.act("revoke", alice, id)).status).toBe(200);
    const again = await h.act("revoke", dave, id);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ status: "REVOKED", revokedBy: "alice" });
    expect(await actions(id)).toEqual(["REQUESTED", "APPROVED", "REVOKED"]);

    const other = await approvedGrant();
    const both = await Promise.all([h.act("revoke", alice, other), h.act("revoke", bob, other)]);
    expect(both.map((r) => r.status)).toEqual([200, 200]);
    expect(await rawItem(other)).toMatchObject({ status: "REVOKED", version: 3 });
    expect(await actions(other)).toEqual(["REQUESTED", "APPROVED", "REVOKED"]);
  });

  it("does not answer success when the change could not be stored", async () => {
    const id = await approvedGrant();
    const brokenAudit = new DynamoDbAuditLog(h.doc, `${h.tables.audit}-missing`);
    const repository = new DynamoDbRequestRepository(h.doc, h.tables.requests, brokenAudit);
    const revoke = createRevokeRequestHandler({ ...h.deps, requests: repository });
    const res = await invoke(
      revoke,
      proxyEvent({ caller: alice, method: "POST", path: `/requests/${id}/revoke`, id }),
    );
    expect(res.status).toBe(500);
    expect(await rawItem(id)).toMatchObject({ status: "APPROVED", version: 2 });
    expect((await h.getRequest(alice, id)).body.status).toBe("APPROVED");
  });
});
