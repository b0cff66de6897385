import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { decodeJwt } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DynamoDbRequestReader } from "#functions/adapters/dynamodb/dynamodb-request-reader.js";
import { DynamoDbTokenIssueLog } from "#functions/adapters/dynamodb/dynamodb-token-issue-log.js";
import { issueToken } from "#functions/use-cases/issue-token.js";
import { generateLocalKey, LocalKeySigner } from "#test/helpers/token-issue.js";
import { createWorkflowHarness, USERS, type WorkflowHarness } from "./workflow-harness.js";

const { alice, bob, carol, dave, mallory } = USERS;
const MIN_MS = 60_000;

/** ops-read: extensions approved by sre, up to 2 h in all; auto-read: extensions granted at once. */
const POLICY = `
adminGroups: [jit-admins]
entitlements:
  - id: ops-read
    description: Read the ops API
    audience: ops-api
    permissions: ["GET /ops/*"]
    eligibleGroups: [engineers]
    approverGroups: [sre]
    maxDuration: PT1H
    defaultDuration: PT1H
    approvalTimeout: PT1H
    requireJustification: false
    extension: { maxTotalDuration: PT2H }
  - id: ops-two
    description: Two approvers, extensions under the same rule
    audience: ops-api
    permissions: ["POST /ops/*"]
    eligibleGroups: [engineers]
    approverGroups: [sre, dba]
    minApprovals: 2
    maxDuration: PT1H
    requireJustification: true
    extension: { maxTotalDuration: PT3H }
  - id: auto-read
    description: Granted at once, extended at once
    audience: ops-api
    permissions: ["GET /ops/status"]
    eligibleGroups: [engineers]
    autoApprove: true
    requireJustification: false
    maxDuration: PT1H
    extension: { maxTotalDuration: PT90M, autoApprove: true }
  - id: no-extension
    description: Never extended
    audience: ops-api
    permissions: ["GET /ops/x"]
    eligibleGroups: [engineers]
    approverGroups: [sre]
    maxDuration: PT1H
    requireJustification: false
`;

let h: WorkflowHarness;
beforeAll(async () => {
  h = await createWorkflowHarness({ policyYaml: POLICY });
});
afterAll(() => h.close());

async function grantOpsRead(
  requester: { sub: string; groups: readonly string[] } = mallory,
): Promise<{ id: string; grantedAt: string; expiresAt: string }> {
  const created = await h.createRequest(requester, { entitlement: "ops-read", duration: "PT1H" });
  expect(created.status).toBe(201);
  const approved = await h.act("approve", bob, created.body.requestId);
  expect(approved.body.status).toBe("APPROVED");
  return {
    id: approved.body.requestId,
    grantedAt: approved.body.grantedAt,
    expiresAt: approved.body.expiresAt,
  };
}

const plus = (iso: string, ms: number) => new Date(Date.parse(iso) + ms).toISOString();
const actions = async (id: string) => (await h.deps.audit.list(id)).map((e) => e.action);

describe("POST /requests/{id}/extend", () => {
  it("creates an extension request listed under ?pending and ?mine; its approval moves the grant's expiresAt and TTL in one step, audited EXTENDED", async () => {
    const grant = await grantOpsRead();
    h.clock.advance(10 * MIN_MS);
    const ext = await h.act("extend", mallory, grant.id, {
      duration: "PT30M",
      justification: "migration runs late",
    });
    expect(ext.status).toBe(201);
    expect(ext.headers.location).toBe(`/requests/${ext.body.requestId}`);
    expect(ext.body).toMatchObject({
      kind: "extension",
      extends: grant.id,
      status: "PENDING",
      entitlement: "ops-read",
      durationSeconds: 1800,
      active: false,
      clamped: false,
    });
    expect(ext.body.requestId).not.toBe(grant.id);
    const extId = ext.body.requestId as string;

    const pending = await h.list(bob, { pending: "" });
    expect(pending.body.requests).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ requestId: extId, kind: "extension", extends: grant.id }),
      ]),
    );
    const mine = await h.list(mallory, { mine: "" });
    expect(mine.body.requests.map((r: { requestId: string }) => r.requestId)).toEqual(
      expect.arrayContaining([grant.id, extId]),
    );
    // Nothing moves before approval.
    expect((await h.getRequest(mallory, grant.id)).body.expiresAt).toBe(grant.expiresAt);

    const approved = await h.act("approve", bob, extId, { comment: "ok" });
    expect(approved.status).toBe(200);
    const newExpiresAt = plus(grant.expiresAt, 30 * MIN_MS);
    expect(approved.body).toMatchObject({ status: "APPROVED", extendedTo: newExpiresAt, active: false });
    const after = (await h.getRequest(mallory, grant.id)).body;
    expect(after).toMatchObject({
      status: "APPROVED",
      active: true,
      expiresAt: newExpiresAt,
      grantedAt: grant.grantedAt,
    });
    const stored = await h.deps.requests.get(grant.id, { consistentRead: true });
    expect(stored?.expiresAt).toBe(newExpiresAt);
    const raw = await h.doc.send(
      new GetCommand({
        TableName: h.tables.requests,
        Key: { requestId: grant.id },
      }),
    );
    expect(raw.Item?.ttl).toBe(Date.parse(newExpiresAt) / 1000);

    const grantTrail = await h.deps.audit.list(grant.id);
    expect(grantTrail.map((e) => e.action)).toEqual(["REQUESTED", "APPROVED", "EXTENDED"]);
    expect(grantTrail[2]).toMatchObject({
      actor: "bob",
      details: { extension: extId, previousExpiresAt: grant.expiresAt, expiresAt: newExpiresAt },
    });
    expect(await actions(extId)).toEqual(["REQUESTED", "APPROVED"]);
    // A decided extension leaves the approvers' inbox; it is not a grant of its own.
    expect(
      (await h.list(bob, { pending: "" })).body.requests.map((r: { requestId: string }) => r.requestId),
    ).not.toContain(extId);
    expect(
      (await h.list(dave, { active: "" })).body.requests.map((r: { requestId: string }) => r.requestId),
    ).not.toContain(extId);
  });

  it("gives tokens issued after the extension the later bound, and leaves tokens issued before it alone", async () => {
    const signer = new LocalKeySigner(await generateLocalKey());
    const tokens = {
      requests: new DynamoDbRequestReader(h.doc, h.tables.requests),
      audit: new DynamoDbTokenIssueLog(h.doc, h.tables.audit, h.tables.requests),
      signer,
      clock: h.clock,
      issuer: "https://jit.example.test",
      // Longer than the grant, so exp is the grant's bound.
      tokenTtlSeconds: 8 * 3600,
      entitlementIds: new Set(["ops-read"]),
    };
    const grant = await grantOpsRead();
    h.clock.advance(MIN_MS);
    const before = await issueToken(tokens, { requestId: grant.id, callerSub: "mallory" });
    expect(before.exp).toBe(Date.parse(grant.expiresAt) / 1000);

    h.clock.advance(MIN_MS);
    const extId = (await h.act("extend", mallory, grant.id, { duration: "PT20M" })).body.requestId;
    expect((await h.act("approve", carol, extId)).status).toBe(200);
    h.clock.advance(MIN_MS);
    const after = await issueToken(tokens, { requestId: grant.id, callerSub: "mallory" });
    expect(after.exp).toBe(Date.parse(grant.expiresAt) / 1000 + 20 * 60);
    expect(decodeJwt(before.accessToken).exp).toBe(before.exp);

    // An extension request is no grant: no token for it.
    await expect(issueToken(tokens, { requestId: extId, callerSub: "mallory" })).rejects.toMatchObject({
      code: "invalid_state",
    });
  });

  it("stops the chain at extension.maxTotalDuration: the last extension is cut to the cap, the next is 409 extension_limit", async () => {
    const grant = await grantOpsRead();
    const cap = plus(grant.grantedAt, 2 * 3_600_000);
    const first = await h.act("extend", mallory, grant.id, { duration: "PT40M" });
    expect((await h.act("approve", bob, first.body.requestId)).body.extendedTo).toBe(
      plus(grant.expiresAt, 40 * MIN_MS),
    );
    // 20 minutes are left under the cap: asking for an hour is cut to them.
    const second = await h.act("extend", mallory, grant.id, { duration: "PT1H" });
    expect(second.status).toBe(201);
    expect(second.body).toMatchObject({
      durationSeconds: 20 * 60,
      clamped: true,
      requestedDurationSeconds: 3600,
    });
    // A third one asked while the second waits: it would pass the cap once the second is approved.
    const third = await h.act("extend", mallory, grant.id, { duration: "PT10M" });
    expect(third.status).toBe(201);
    expect((await h.act("approve", bob, second.body.requestId)).body.extendedTo).toBe(cap);
    expect((await h.getRequest(mallory, grant.id)).body.expiresAt).toBe(cap);

    const late = await h.act("approve", bob, third.body.requestId);
    expect(late.status).toBe(409);
    expect(late.body.code).toBe("extension_limit");
    const again = await h.act("extend", mallory, grant.id, { duration: "PT1M" });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe("extension_limit");
    expect((await h.getRequest(mallory, grant.id)).body.expiresAt).toBe(cap);
    expect((await h.deps.audit.list(grant.id)).filter((e) => e.action === "EXTENDED")).toHaveLength(2);
  });

  it("refuses to extend a revoked or expired grant, and an approval after the grant was revoked moves nothing", async () => {
    const revoked = await grantOpsRead();
    const waiting = await h.act("extend", mallory, revoked.id, { duration: "PT10M" });
    expect(waiting.status).toBe(201);
    expect((await h.act("revoke", bob, revoked.id, { reason: "done" })).status).toBe(200);
    const refused = await h.act("extend", mallory, revoked.id, { duration: "PT10M" });
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe("invalid_state");
    const lateApproval = await h.act("approve", bob, waiting.body.requestId);
    expect(lateApproval.status).toBe(409);
    expect(lateApproval.body.code).toBe("invalid_state");
    expect((await h.getRequest(mallory, waiting.body.requestId)).body.status).toBe("PENDING");
    expect(await actions(revoked.id)).toEqual(["REQUESTED", "APPROVED", "REVOKED"]);

    const expiring = await grantOpsRead();
    const pendingExt = await h.act("extend", mallory, expiring.id, { duration: "PT10M" });
    // The extension's approval deadline is the grant's expiresAt: it ends with the grant.
    expect(pendingExt.body.approvalDeadline).toBe(expiring.expiresAt);
    h.clock.advance(3_600_000);
    const expired = await h.act("extend", mallory, expiring.id, { duration: "PT10M" });
    expect(expired.status).toBe(410);
    expect(expired.body.code).toBe("expired");
    expect((await h.act("approve", bob, pendingExt.body.requestId)).status).toBe(410);
    expect((await h.getRequest(mallory, expiring.id)).body).toMatchObject({
      status: "EXPIRED",
      expiresAt: expiring.expiresAt,
    });
  });

  it("refuses the requester's own approval of their extension, whatever groups they hold", async () => {
    const sreRequester = { sub: "sam", groups: ["engineers", "sre"] };
    const grant = await grantOpsRead(sreRequester);
    const ext = await h.act("extend", sreRequester, grant.id, { duration: "PT15M" });
    const self = await h.act("approve", sreRequester, ext.body.requestId);
    expect(self.status).toBe(403);
    expect(self.body.code).toBe("self_approval");
    expect((await h.getRequest(sreRequester, grant.id)).body.expiresAt).toBe(grant.expiresAt);
    // Nor is the extension in their own approval inbox.
    expect(
      (await h.list(sreRequester, { pending: "" })).body.requests.map(
        (r: { requestId: string }) => r.requestId,
      ),
    ).not.toContain(ext.body.requestId);
  });

  it("lets only the grant's requester extend, only entitlements that allow it, and needs a duration", async () => {
    const grant = await grantOpsRead();
    expect((await h.act("extend", alice, grant.id, { duration: "PT10M" })).status).toBe(403);
    expect((await h.act("extend", dave, grant.id, { duration: "PT10M" })).status).toBe(403);
    const noDuration = await h.act("extend", mallory, grant.id, {});
    expect(noDuration.status).toBe(400);
    expect(noDuration.body.field).toBe("duration");
    const bad = await h.act("extend", mallory, grant.id, { duration: "soon" });
    expect(bad.status).toBe(400);
    expect(bad.body.field).toBe("duration");

    const other = await h.createRequest(mallory, { entitlement: "no-extension" });
    await h.act("approve", bob, other.body.requestId);
    const never = await h.act("extend", mallory, other.body.requestId, { duration: "PT10M" });
    expect(never.status).toBe(403);
    expect(never.body.detail).toContain("cannot be extended");

    const pendingRequest = await h.createRequest(mallory, { entitlement: "ops-read" });
    const notGranted = await h.act("extend", mallory, pendingRequest.body.requestId, { duration: "PT10M" });
    expect(notGranted.status).toBe(409);
    expect(notGranted.body.code).toBe("invalid_state");
  });

  it("approves an extension under the entitlement's rule: two distinct approvers, and a justification when required", async () => {
    const created = await h.createRequest(mallory, { entitlement: "ops-two", justification: "deploy" });
    await h.act("approve", bob, created.body.requestId);
    const granted = await h.act("approve", carol, created.body.requestId);
    expect(granted.body.status).toBe("APPROVED");
    const id = created.body.requestId as string;
    const noReason = await h.act("extend", mallory, id, { duration: "PT30M" });
    expect(noReason.status).toBe(400);
    expect(noReason.body.field).toBe("justification");
    const ext = await h.act("extend", mallory, id, { duration: "PT30M", justification: "deploy is slow" });
    expect(ext.body.minApprovals).toBe(2);
    const first = await h.act("approve", bob, ext.body.requestId);
    expect(first.body.status).toBe("PENDING");
    expect((await h.getRequest(mallory, id)).body.expiresAt).toBe(granted.body.expiresAt);
    const second = await h.act("approve", carol, ext.body.requestId);
    expect(second.body.status).toBe("APPROVED");
    expect((await h.getRequest(mallory, id)).body.expiresAt).toBe(plus(granted.body.expiresAt, 30 * MIN_MS));
    expect(await actions(ext.body.requestId)).toEqual(["REQUESTED", "APPROVAL_RECORDED", "APPROVED"]);
  });

  it("grants a self-served extension at once, in the same transaction as the grant's move", async () => {
    const created = await h.createRequest(mallory, { entitlement: "auto-read", duration: "PT1H" });
    expect(created.body.status).toBe("APPROVED");
    const id = created.body.requestId as string;
    const ext = await h.act("extend", mallory, id, { duration: "PT1H" });
    expect(ext.status).toBe(201);
    // PT90M in all: 30 minutes were left.
    const cap = plus(created.body.grantedAt, 90 * MIN_MS);
    expect(ext.body).toMatchObject({
      status: "APPROVED",
      extendedTo: cap,
      clamped: true,
      durationSeconds: 1800,
    });
    expect((await h.getRequest(mallory, id)).body.expiresAt).toBe(cap);
    expect(await actions(ext.body.requestId)).toEqual(["REQUESTED", "AUTO_APPROVED"]);
    expect(await actions(id)).toEqual(["REQUESTED", "AUTO_APPROVED", "EXTENDED"]);
    expect((await h.act("extend", mallory, id, { duration: "PT1M" })).body.code).toBe("extension_limit");
  });
});
