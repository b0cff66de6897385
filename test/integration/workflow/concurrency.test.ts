import { performance } from "node:perf_hooks";
import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { DynamoDbTokenIssueLog } from "#functions/adapters/dynamodb/dynamodb-token-issue-log.js";
import type { RestHandler } from "#functions/adapters/http/rest-handler.js";
import { createKmsClient } from "#functions/adapters/kms/kms-client.js";
import { KmsPublicKeySource } from "#functions/adapters/kms/kms-public-key-source.js";
import { KmsTokenSigner } from "#functions/adapters/kms/kms-token-signer.js";
import { type Clock, systemClock } from "#functions/domain/clock.js";
import { createIssueTokenHandler } from "#functions/handlers/issue-token.js";
import { startTestKms, type TestKms } from "#test/helpers/kms.js";
import { quietLogger } from "#test/helpers/token-issue.js";
import {
  createWorkflowHarness,
  invoke,
  proxyEvent,
  type TestResponse,
  USERS,
  WORKFLOW_POLICY_YAML,
  type WorkflowHarness,
} from "./workflow-harness.js";

const { alice, bob, carol } = USERS;
/**
 * Round counts of the race tests. `npm test` runs fewer rounds of the 20-approver and token races (each
 * round is the same race; on a loaded 2-core machine DynamoDB Local takes about 1.4 s per 20-approver
 * round and up to 10 s per token round, where 30 issues contend for one item); `npm run fuzz`
 * (JIT_FULL_RACES=1) runs the full counts.
 */
const FULL = process.env.JIT_FULL_RACES === "1";
const APPROVER_ROUNDS = FULL ? 100 : 10;
const APPROVERS_PER_ROUND = 20;
const PAIR_ROUNDS = 50;
const ISSUE_ROUNDS = FULL ? 50 : 3;
const ISSUES_PER_ROUND = 30;
const RACE_TIMEOUT_MS = 240_000;

// `race-2` needs two distinct approvers from one group that twenty people hold.
const POLICY = `${WORKFLOW_POLICY_YAML}
  - id: race-2
    description: Two approvers from a large group
    audience: race-api
    permissions: ["GET /race/*"]
    eligibleGroups: [engineers]
    approverGroups: [racers]
    minApprovals: 2
    maxDuration: PT1H
    requireJustification: false
`;
const racers = Array.from({ length: APPROVERS_PER_ROUND }, (_, i) => ({
  sub: `racer-${String(i).padStart(2, "0")}`,
  groups: ["racers"],
}));

let h: WorkflowHarness;
let kms: TestKms;
let issue: RestHandler;
let frozen: Clock;

beforeAll(async () => {
  h = await createWorkflowHarness({ policyYaml: POLICY });
  kms = await startTestKms();
  const { arn } = await kms.createSigningKey("ECC_NIST_P256");
  // The production client (with its retry of a dropped connection), as the issue Lambda builds it.
  const client = createKmsClient({ endpoint: kms.server.endpoint });
  issue = createIssueTokenHandler(
    {
      requests: h.deps.requests,
      audit: new DynamoDbTokenIssueLog(h.doc, h.tables.audit, h.tables.requests),
      signer: new KmsTokenSigner({
        client,
        keyId: arn,
        publicKeys: new KmsPublicKeySource({ client, keyIds: [arn] }),
      }),
      // Real time, as in production: racers' events get distinct times, and only the store's conditions
      // can keep a token from being recorded after a revoke.
      clock: systemClock,
      issuer: "https://jit.example.test",
      tokenTtlSeconds: 900,
      entitlementIds: new Set(h.deps.policy.entitlements.map((e) => e.id)),
    },
    quietLogger(),
  );
  frozen = h.deps.clock;
  h.deps.clock = systemClock;
});
afterEach(() => {
  h.deps.clock = systemClock;
});
afterAll(async () => {
  h.deps.clock = frozen;
  h.close();
  await kms?.stop();
});

async function storedItem(id: string): Promise<Record<string, unknown> | undefined> {
  const out = await h.doc.send(
    new GetCommand({ TableName: h.tables.requests, Key: { requestId: id }, ConsistentRead: true }),
  );
  return out.Item;
}

function statusCounts(responses: TestResponse[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of responses) {
    const key = r.status === 200 || r.status === 201 ? String(r.status) : `${r.status} ${r.body.code}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

describe("H29 concurrent approvers all count", () => {
  it(
    `approves a two-approver request raced by ${APPROVERS_PER_ROUND} distinct approvers, ${APPROVER_ROUNDS} rounds`,
    async () => {
      const started = performance.now();
      for (let round = 0; round < APPROVER_ROUNDS; round++) {
        const created = await h.createRequest(alice, { entitlement: "race-2" });
        const id = created.body.requestId as string;
        const results = await Promise.all(racers.map((r) => h.act("approve", r, id)));

        const ok = results.filter((r) => r.status === 200);
        const late = results.filter((r) => r.status !== 200);
        expect(ok.length, `round ${round}: ${JSON.stringify(statusCounts(results))}`).toBe(2);
        for (const r of late) {
          expect(r.status, `round ${round}`).toBe(409);
          expect(r.body.code).toBe("already_approved");
          // The late approver is shown the final request, which no longer needs them.
          expect(r.body.request).toMatchObject({ requestId: id, status: "APPROVED" });
          expect(r.body.request.approvals).toHaveLength(2);
        }
        const stored = await storedItem(id);
        expect(stored).toMatchObject({ status: "APPROVED", version: 3 });
        const approvers = ((stored?.approvals ?? []) as { approver: string }[]).map((a) => a.approver);
        expect(new Set(approvers).size).toBe(2);
        const trail = await h.deps.audit.list(id);
        expect(trail.map((e) => [e.action, e.version])).toEqual([
          ["REQUESTED", 1],
          ["APPROVAL_RECORDED", 2],
          ["APPROVED", 3],
        ]);
        expect(
          trail
            .slice(1)
            .map((e) => e.actor)
            .sort(),
        ).toEqual([...approvers].sort());
      }
      console.info(
        `H29: ${APPROVER_ROUNDS} rounds x ${APPROVERS_PER_ROUND} approvers in ${Math.round(performance.now() - started)} ms`,
      );
    },
    RACE_TIMEOUT_MS,
  );

  it(
    `approves when bob and carol approve at the same instant, ${PAIR_ROUNDS} rounds`,
    async () => {
      const started = performance.now();
      for (let round = 0; round < PAIR_ROUNDS; round++) {
        const created = await h.createRequest(alice, {
          entitlement: "db-admin",
          justification: `round ${round}`,
          ticket: "INC-42",
        });
        const id = created.body.requestId as string;
        const [b, c] = await Promise.all([h.act("approve", bob, id), h.act("approve", carol, id)]);
        expect([b.status, c.status], `round ${round}: ${b.body.code ?? ""} ${c.body.code ?? ""}`).toEqual([
          200, 200,
        ]);
        expect([b.body.status, c.body.status].sort()).toEqual(["APPROVED", "PENDING"]);
        const stored = await storedItem(id);
        expect(stored).toMatchObject({ status: "APPROVED", version: 3 });
        expect(((stored?.approvals ?? []) as { approver: string }[]).map((a) => a.approver).sort()).toEqual([
          "bob",
          "carol",
        ]);
        expect((await h.deps.audit.list(id)).map((e) => e.action)).toEqual([
          "REQUESTED",
          "APPROVAL_RECORDED",
          "APPROVED",
        ]);
      }
      console.info(`H29: ${PAIR_ROUNDS} bob+carol rounds in ${Math.round(performance.now() - started)} ms`);
    },
    RACE_TIMEOUT_MS,
  );

  it("keeps one winner when an approval races a deny: the approval is not retried into a denied request", async () => {
    for (let round = 0; round < 10; round++) {
      const created = await h.createRequest(alice, { entitlement: "ops-read" });
      const id = created.body.requestId as string;
      const [approve, deny] = await Promise.all([
        h.act("approve", bob, id),
        h.act("deny", carol, id, { reason: `round ${round}` }),
      ]);
      expect([approve.status, deny.status].sort(), `round ${round}`).toEqual([200, 409]);
      expect((await h.deps.audit.list(id)).map((e) => e.action)).toHaveLength(2);
    }
  });
});

describe("H30 token issue against revoke", () => {
  const tokenCall = (id: string) =>
    invoke(issue, proxyEvent({ caller: alice, method: "POST", path: `/requests/${id}/token`, id }));

  it(
    `records no TOKEN_ISSUED after REVOKED: ${ISSUES_PER_ROUND} issues against one revoke, ${ISSUE_ROUNDS} rounds`,
    async () => {
      const started = performance.now();
      let issuedBefore = 0;
      let refusedAfter = 0;
      for (let round = 0; round < ISSUE_ROUNDS; round++) {
        const created = await h.createRequest(alice, { entitlement: "ops-read" });
        const id = created.body.requestId as string;
        expect((await h.act("approve", bob, id)).body.status).toBe("APPROVED");
        // The revoke fires once a few issues have answered (1 to 10, varying by round), while the rest are
        // in flight, so some tokens land before it and some after.
        const revokeAfter = (round % 10) + 1;
        let answered = 0;
        let revoke: Promise<TestResponse> | undefined;
        const calls = Array.from({ length: ISSUES_PER_ROUND }, () =>
          tokenCall(id).then((r) => {
            if (++answered === revokeAfter) revoke = h.act("revoke", carol, id, { reason: `round ${round}` });
            return r;
          }),
        );
        const results = await Promise.all(calls);
        expect((await revoke)?.status, `round ${round}`).toBe(200);

        const trail = await h.deps.audit.list(id);
        const revokedIndex = trail.findIndex((e) => e.action === "REVOKED");
        expect(revokedIndex, `round ${round}`).toBeGreaterThan(0);
        const after = trail.slice(revokedIndex + 1).filter((e) => e.action === "TOKEN_ISSUED");
        expect(after, `round ${round}: TOKEN_ISSUED after REVOKED`).toEqual([]);

        const recorded = new Set(
          trail.filter((e) => e.action === "TOKEN_ISSUED").map((e) => String(e.details?.jti)),
        );
        for (const r of results) {
          if (r.status === 201) {
            const [, payload] = (r.body.access_token as string).split(".");
            const { jti } = JSON.parse(Buffer.from(payload as string, "base64url").toString("utf8"));
            // Every token handed out has its event.
            expect(recorded.has(jti), `round ${round}`).toBe(true);
            issuedBefore++;
          } else {
            expect(r.status, `round ${round}: ${JSON.stringify(r.body)}`).toBe(409);
            expect(r.body.code).toBe("invalid_state");
            refusedAfter++;
          }
        }
        expect(recorded.size).toBe(results.filter((r) => r.status === 201).length);
      }
      console.info(
        `H30: ${ISSUE_ROUNDS} rounds x ${ISSUES_PER_ROUND} issues + 1 revoke in ` +
          `${Math.round(performance.now() - started)} ms (${issuedBefore} issued before the revoke, ` +
          `${refusedAfter} refused after it)`,
      );
      // Both sides of the race happened, so the test exercised it.
      expect(issuedBefore).toBeGreaterThan(0);
      expect(refusedAfter).toBeGreaterThan(0);
    },
    RACE_TIMEOUT_MS,
  );
});
