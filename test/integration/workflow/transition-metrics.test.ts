import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { METRIC, METRICS_NAMESPACE, METRICS_SERVICE } from "#functions/ports/operational-metrics.js";
import { captureEmf, countsOf } from "#test/helpers/emf.js";
import { createWorkflowHarness, USERS, type WorkflowHarness } from "./workflow-harness.js";

const { alice, bob, carol, dave, mallory } = USERS;
const service = { service: METRICS_SERVICE };

let h: WorkflowHarness;
beforeAll(async () => {
  h = await createWorkflowHarness();
});
afterAll(() => h.close());

describe("workflow transition metrics (EMF)", () => {
  it("counts each transition once, as an EMF count in namespace JitAccess, after it is stored", async () => {
    let id = "";
    const emf = await captureEmf(async () => {
      const created = await h.createRequest(alice, { entitlement: "ops-read" });
      id = created.body.requestId;
      expect((await h.act("approve", bob, id)).status).toBe(200);
      expect((await h.act("revoke", carol, id, { reason: "done" })).status).toBe(200);
    });
    expect(countsOf(emf)).toEqual([
      { name: METRIC.requestCreated, dimensions: service },
      { name: METRIC.requestApproved, dimensions: service },
      { name: METRIC.requestRevoked, dimensions: service },
    ]);
    for (const doc of emf) {
      expect(doc._aws.CloudWatchMetrics[0]?.Namespace).toBe(METRICS_NAMESPACE);
      expect(doc._aws.CloudWatchMetrics[0]?.Metrics[0]?.Unit).toBe("Count");
      // The value and the dimension are top-level members, as the EMF specification requires.
      const name = doc._aws.CloudWatchMetrics[0]?.Metrics[0]?.Name as string;
      expect(doc[name]).toBe(1);
      expect(JSON.stringify(doc)).not.toContain(id);
    }
  });

  it("counts a break-glass grant and its review, and an approval still short of the rule, under their own names", async () => {
    const emf = await captureEmf(async () => {
      const breakGlass = await h.createRequest(alice, {
        entitlement: "break-glass",
        justification: "INC-1 down",
      });
      expect(breakGlass.status).toBe(201);
      const review = await h.act("review", dave, breakGlass.body.requestId, { note: "checked with on-call" });
      expect(review.status).toBe(200);
      const twoApprovers = await h.createRequest(alice, {
        entitlement: "db-admin",
        justification: "migration",
        ticket: "INC-7",
      });
      expect((await h.act("approve", bob, twoApprovers.body.requestId)).status).toBe(200);
      expect((await h.act("deny", carol, twoApprovers.body.requestId, { reason: "not now" })).status).toBe(
        200,
      );
    });
    expect(countsOf(emf).map((c) => c.name)).toEqual([
      METRIC.breakGlassGranted,
      METRIC.breakGlassReviewed,
      METRIC.requestCreated,
      METRIC.approvalRecorded,
      METRIC.requestDenied,
    ]);
  });

  it("counts nothing for a refused call or a read", async () => {
    const created = await h.createRequest(alice, { entitlement: "ops-read" });
    const emf = await captureEmf(async () => {
      expect((await h.act("approve", alice, created.body.requestId)).status).toBe(403);
      expect((await h.act("approve", mallory, created.body.requestId)).status).toBe(403);
      expect((await h.getRequest(alice, created.body.requestId)).status).toBe(200);
    });
    expect(emf).toEqual([]);
  });
});
