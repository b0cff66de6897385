import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DynamoDbAuditLog } from "#functions/adapters/dynamodb/dynamodb-audit-log.js";
import { DynamoDbRequestReader } from "#functions/adapters/dynamodb/dynamodb-request-reader.js";
import { DynamoDbRequestRepository } from "#functions/adapters/dynamodb/dynamodb-request-repository.js";
import { toRequestItem } from "#functions/adapters/dynamodb/request-item.js";
import type { TableNames } from "#functions/adapters/dynamodb/table-definitions.js";
import { createJitAuthorizerHandler } from "#functions/handlers/jit-authorizer.js";
import { revokeRequest } from "#functions/use-cases/revoke-request.js";
import { freePort, LOCAL_CREDENTIALS } from "#local/dynamodb-local.js";
import {
  activeGrant,
  CountingRequestReader,
  httpApiEvent,
  methodArn,
  restTokenEvent,
  silentLogger,
  testPolicy,
} from "#test/helpers/authorizer.js";
import { ManualClock } from "#test/helpers/clock.js";
import { createTestTables, testDynamoDbClient, testDynamoDbEndpoint } from "#test/helpers/dynamodb.js";
import { generateTestKey, mintAccessToken, TEST_AUDIENCE, TEST_ISSUER } from "#test/helpers/tokens.js";

interface PolicyResult {
  policyDocument: { Statement: { Effect: string; Resource: string[] }[] };
}
const effect = (r: unknown) => (r as PolicyResult).policyDocument.Statement.map((s) => s.Effect).join(",");

const REVOCATION_CACHE_SECONDS = 30;

let base: DynamoDBClient;
let doc: DynamoDBDocumentClient;
let tables: TableNames;
let getItemCalls = 0;

beforeAll(async () => {
  base = testDynamoDbClient();
  // Counts every GetItem that reaches DynamoDB Local, below every wrapper of ours.
  base.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === "GetItemCommand") getItemCalls++;
      return next(args);
    },
    { step: "initialize", name: "countGetItem" },
  );
  doc = DynamoDBDocumentClient.from(base, { marshallOptions: { removeUndefinedValues: true } });
  tables = await createTestTables(testDynamoDbClient(), "authz");
});

afterAll(() => {
  base.destroy();
});

/**
 * Start of the test's manual clock: real time now, because the grants are stored on DynamoDB Local,
 * whose TTL sweeper runs on the real clock and would delete a grant whose TTL lies in the past.
 */
const T0_MS = Math.floor(Date.now() / 1000) * 1000;

describe("H23 revoked means refused", () => {
  it("refuses an hour-long token once the revocation bound has passed after a revoke, and never before the revoke", async () => {
    const clock = new ManualClock(T0_MS);
    const policy = testPolicy({ tokenTtl: "PT1H" });
    const requestId = `h23-${Date.now()}`;
    await doc.send(
      new PutCommand({ TableName: tables.requests, Item: toRequestItem(activeGrant(requestId, T0_MS)) }),
    );

    const key = await generateTestKey();
    const token = await mintAccessToken({ key, nowSeconds: T0_MS / 1000, ttlSeconds: 3600, requestId });
    const reader = new CountingRequestReader(new DynamoDbRequestReader(doc, tables.requests));
    const handler = createJitAuthorizerHandler({
      keys: [key.verificationKey],
      reader,
      policy,
      audience: TEST_AUDIENCE,
      issuer: TEST_ISSUER,
      revocationCacheSeconds: REVOCATION_CACHE_SECONDS,
      clock,
      logger: silentLogger(),
    });
    const getsBefore = getItemCalls;

    // A minute and a bit: one call per second on two routes, every one allowed.
    for (let second = 0; second <= 70; second++) {
      const path = second % 2 === 0 ? "/orders/1" : "/orders";
      expect({ second, effect: effect(await handler(restTokenEvent(token, "GET", path))) }).toEqual({
        second,
        effect: "Allow",
      });
      expect(await handler(httpApiEvent(token, "GET", path))).toMatchObject({ isAuthorized: true });
      clock.advance(1_000);
    }

    const authorizerGetsBeforeRevoke = getItemCalls - getsBefore;

    // Revoked after a minute, through the workflow's own revoke (requester revokes their grant).
    const revokedAtMs = clock.nowMs();
    const audit = new DynamoDbAuditLog(doc, tables.audit);
    const result = await revokeRequest(
      {
        requests: new DynamoDbRequestRepository(doc, tables.requests, audit),
        audit,
        policy,
        clock,
        ids: { requestId: () => "unused" },
      },
      { sub: "alice", groups: ["engineers"] },
      requestId,
      { reason: "H23" },
    );
    expect(result.changed).toBe(true);
    const stored = await doc.send(
      new GetCommand({ TableName: tables.requests, Key: { requestId }, ConsistentRead: true }),
    );
    expect(stored.Item?.status).toBe("REVOKED");
    const getsAfterRevoke = getItemCalls;

    // From the revoke on: allowed at most until the bound, refused from then on (the token is valid for 59 more minutes).
    const decisions: { atSeconds: number; effect: string }[] = [];
    for (let second = 0; second <= REVOCATION_CACHE_SECONDS + 5; second++) {
      decisions.push({
        atSeconds: second,
        effect: effect(await handler(restTokenEvent(token, "GET", "/orders/1"))),
      });
      clock.advance(1_000);
    }
    const firstDeny = decisions.findIndex((d) => d.effect === "Deny");
    expect(firstDeny).toBeGreaterThanOrEqual(0);
    expect(firstDeny).toBeLessThanOrEqual(REVOCATION_CACHE_SECONDS);
    // Exactly when the read cached at 60 s ages out (90 s), 19 s after the revoke at 71 s.
    expect(firstDeny).toBe(19);
    expect(decisions.slice(firstDeny).every((d) => d.effect === "Deny")).toBe(true);
    expect(
      decisions.filter((d) => d.atSeconds >= REVOCATION_CACHE_SECONDS).every((d) => d.effect === "Deny"),
    ).toBe(true);
    expect(clock.nowMs() - revokedAtMs).toBeGreaterThan(REVOCATION_CACHE_SECONDS * 1000);
    expect(await handler(httpApiEvent(token, "GET", "/orders/1"))).toEqual({
      isAuthorized: false,
      context: {},
    });

    // At most one DynamoDB read of the grant per cache window: 107 s of calls read at 0, 30, 60 and 90 s.
    expect(reader.readsOf(requestId)).toBe(4);
    expect(authorizerGetsBeforeRevoke + (getItemCalls - getsAfterRevoke)).toBe(4);
  });
});

describe("H10 table unreachable", () => {
  it("never allows when DynamoDB cannot be read, and allows again once it can", async () => {
    const clock = new ManualClock(T0_MS);
    const requestId = `h10-${Date.now()}`;
    await doc.send(
      new PutCommand({ TableName: tables.requests, Item: toRequestItem(activeGrant(requestId, T0_MS)) }),
    );
    const closedPort = await freePort();
    const unreachable = DynamoDBDocumentClient.from(
      new DynamoDBClient({
        endpoint: `http://127.0.0.1:${closedPort}`,
        region: "us-east-1",
        credentials: LOCAL_CREDENTIALS,
        maxAttempts: 1,
      }),
    );
    let current = new DynamoDbRequestReader(unreachable, tables.requests);
    const key = await generateTestKey();
    const handler = createJitAuthorizerHandler({
      keys: [key.verificationKey],
      reader: { get: (id, options) => current.get(id, options) },
      policy: testPolicy(),
      audience: TEST_AUDIENCE,
      issuer: TEST_ISSUER,
      revocationCacheSeconds: REVOCATION_CACHE_SECONDS,
      clock,
      logger: silentLogger(),
    });
    const token = await mintAccessToken({ key, nowSeconds: T0_MS / 1000, requestId });
    const denied = (await handler(restTokenEvent(token))) as PolicyResult;
    expect(denied.policyDocument.Statement).toEqual([
      {
        Effect: "Deny",
        Action: "execute-api:Invoke",
        Resource: [methodArn("GET", "/orders/42").replace(/GET\/orders\/42$/, "*")],
      },
    ]);
    expect(await handler(httpApiEvent(token))).toEqual({ isAuthorized: false, context: {} });

    // The failure was not cached: the next call reads again and succeeds.
    current = new DynamoDbRequestReader(
      DynamoDBDocumentClient.from(
        new DynamoDBClient({
          endpoint: testDynamoDbEndpoint(),
          region: "us-east-1",
          credentials: LOCAL_CREDENTIALS,
          maxAttempts: 1,
        }),
      ),
      tables.requests,
    );
    expect(effect(await handler(restTokenEvent(token)))).toBe("Allow");
    unreachable.destroy();
  });
});
