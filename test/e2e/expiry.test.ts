import { rmSync } from "node:fs";
import { dirname } from "node:path";
import { GetItemCommand } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DynamoDbAuditLog } from "#functions/adapters/dynamodb/dynamodb-audit-log.js";
import { TTL_ATTRIBUTE } from "#functions/adapters/dynamodb/table-definitions.js";
import type { LocalStack } from "#local/stack.js";
import { testDynamoDbClient, usePrivateDynamoDbLocal } from "#test/helpers/dynamodb.js";
import {
  accessToken,
  callDemo,
  EXAMPLE_USERS_YAML,
  type JitUser,
  jitUser,
  startTestStack,
  waitUntil,
  writeTempPolicy,
} from "./local-stack-client.js";

/** A policy whose only entitlement lasts at most 5 seconds. */
const SHORT_POLICY = `
identity:
  groupsClaim: cognito:groups
entitlements:
  - id: orders-glimpse
    description: A five-second look at the orders
    audience: orders-api
    permissions: ["GET /orders", "GET /orders/*"]
    eligibleGroups: [engineers]
    autoApprove: true
    requireJustification: false
    maxDuration: PT5S
    defaultDuration: PT5S
${EXAMPLE_USERS_YAML}`;

usePrivateDynamoDbLocal();

let policyFile: string;
let stack: LocalStack;
let alice: JitUser;

beforeAll(async () => {
  policyFile = writeTempPolicy(SHORT_POLICY);
  stack = await startTestStack({ configFile: policyFile });
  alice = await jitUser(stack, "alice");
  // Warm the functions (first invocations fetch keys), so the timed grants below are not spent on cold starts.
  const warm = await alice.call<{ requestId: string }>("POST", "/requests", {
    entitlement: "orders-glimpse",
  });
  await callDemo(stack, await accessToken(alice, warm.body.requestId), "GET", "/orders");
});

afterAll(async () => {
  await stack?.stop();
  if (policyFile) rmSync(dirname(policyFile), { recursive: true, force: true });
});

describe("grant expiry", () => {
  it("refuses a short grant once it has expired, and shows it as EXPIRED", async () => {
    const created = await alice.call<{ requestId: string; expiresAt: string; status: string }>(
      "POST",
      "/requests",
      {
        entitlement: "orders-glimpse",
      },
    );
    expect(created.status).toBe(201);
    expect(created.body.status).toBe("APPROVED");
    const id = created.body.requestId;
    const expiresAtMs = Date.parse(created.body.expiresAt);
    expect(expiresAtMs - Date.now()).toBeLessThanOrEqual(5_000);

    const token = await accessToken(alice, id);
    expect((await callDemo(stack, token, "GET", "/orders")).status).toBe(200);

    const refused = await waitUntil(
      async () => {
        const status = (await callDemo(stack, token, "GET", "/orders")).status;
        return status === 403 || status === 401;
      },
      5_000 + stack.revocationBoundSeconds * 1000 + 3_000,
    );
    expect(refused).toBeDefined();
    // Never refused early: the grant was usable until it expired.
    expect(Date.now()).toBeGreaterThanOrEqual(expiresAtMs);

    // Until DynamoDB Local's TTL sweeper collects the item (about a second after expiry) it reads as
    // EXPIRED; afterwards it is gone. Either way it is never shown as active again.
    const shown = await alice.call<{ status: string }>("GET", `/requests/${id}`);
    if (shown.status === 200) expect(shown.body.status).toBe("EXPIRED");
    else expect(shown.status).toBe(404);
    expect((await alice.call("POST", `/requests/${id}/token`)).status).toBeGreaterThanOrEqual(400);
  });

  it("turns DynamoDB Local's TTL deletion of an expired grant into an EXPIRED audit event, in order", async () => {
    const created = await alice.call<{ requestId: string; expiresAt: string }>("POST", "/requests", {
      entitlement: "orders-glimpse",
    });
    const id = created.body.requestId;
    const client = testDynamoDbClient();
    const documents = DynamoDBDocumentClient.from(client);
    try {
      const stored = await client.send(
        new GetItemCommand({
          TableName: stack.tables.requests,
          Key: { requestId: { S: id } },
          ConsistentRead: true,
        }),
      );
      const ttl = Number(stored.Item?.[TTL_ATTRIBUTE]?.N);
      expect(ttl).toBe(Math.ceil(Date.parse(created.body.expiresAt) / 1000));

      // Nobody deletes the item but DynamoDB Local's TTL sweeper; the stream poller hands its record to the
      // expiry handler, exactly as the Lambda event source mapping does in AWS.
      const audit = new DynamoDbAuditLog(documents, stack.tables.audit);
      const tookMs = await waitUntil(
        async () => (await audit.list(id)).some((e) => e.action === "EXPIRED"),
        60_000,
        250,
      );
      expect(tookMs).toBeDefined();
      const gone = await client.send(
        new GetItemCommand({
          TableName: stack.tables.requests,
          Key: { requestId: { S: id } },
          ConsistentRead: true,
        }),
      );
      expect(gone.Item).toBeUndefined();
      const events = await audit.list(id);
      expect(events.map((e) => e.action)).toEqual(["REQUESTED", "AUTO_APPROVED", "EXPIRED"]);
      const expired = events.find((e) => e.action === "EXPIRED");
      expect(expired).toMatchObject({
        actor: "system:dynamodb-ttl",
        details: expect.objectContaining({ ttl }),
      });
      expect(Date.parse(expired?.at ?? "")).toBeGreaterThanOrEqual(ttl * 1000);

      // The request is gone from the API, but its audit trail, which has no TTL, is still served to the
      // requester (authorized from the REQUESTED event) and refused to anyone else.
      expect((await alice.call("GET", `/requests/${id}`)).status).toBe(404);
      const trail = await alice.call<{ events: { action: string }[] }>("GET", `/requests/${id}/audit`);
      expect(trail.status).toBe(200);
      expect(trail.body.events.map((e) => e.action)).toEqual(["REQUESTED", "AUTO_APPROVED", "EXPIRED"]);
      const bob = await jitUser(stack, "bob");
      expect((await bob.call("GET", `/requests/${id}/audit`)).status).toBe(403);
      expect((await alice.call("GET", "/requests/00000000-0000-4000-8000-000000000000/audit")).status).toBe(
        404,
      );
    } finally {
      documents.destroy();
      client.destroy();
    }
  });
});
