import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EntitlementView } from "#cli/api-types.js";
import { approvalRule } from "#cli/views.js";
import { parsePolicy } from "#functions/config/load-policy.js";
import { approvalProgress } from "#functions/domain/approval-rule.js";
import { findEntitlement } from "#functions/domain/policy.js";
import {
  createWorkflowHarness,
  invoke,
  proxyEvent,
  type TestCaller,
  USERS,
  WORKFLOW_POLICY_YAML,
  type WorkflowHarness,
} from "./workflow-harness.js";

// One approver from sre AND one from payments-approvers.
const POLICY = `${WORKFLOW_POLICY_YAML}
  - id: refund-quorum
    description: Refunds need one SRE and one payments approver
    audience: payments-api
    permissions: ["POST /refunds/*"]
    eligibleGroups: [engineers]
    approvals:
      - { groups: [sre], min: 1 }
      - { groups: [payments-approvers], min: 1 }
    maxDuration: PT1H
    requireJustification: false
`;
const { alice, bob, erin, paula } = USERS;
/** Holds both approver groups. */
const both = { sub: "bea", groups: ["sre", "payments-approvers"] };
/** An engineer who also holds both approver groups (so could approve others' requests). */
const insider = { sub: "ivan", groups: ["engineers", "sre", "payments-approvers"] };

let h: WorkflowHarness;
beforeAll(async () => {
  h = await createWorkflowHarness({ policyYaml: POLICY });
});
afterAll(() => h.close());

async function newRequest(requester: TestCaller = alice): Promise<string> {
  const created = await h.createRequest(requester, { entitlement: "refund-quorum" });
  expect(created.status).toBe(201);
  return created.body.requestId;
}

describe("per-group quorum", () => {
  it("lets one person in both groups satisfy one step only", async () => {
    const id = await newRequest();
    const first = await h.act("approve", both, id);
    expect(first.status).toBe(200);
    expect(first.body.status).toBe("PENDING");
    const again = await h.act("approve", both, id);
    expect(again.body.code).toBe("already_approved");
    const second = await h.act("approve", erin, id);
    expect(second.body.status).toBe("APPROVED");
    // The matching put bea on the payments step and erin on the sre step.
    expect(second.body.approvalSteps).toEqual([
      { groups: ["sre"], min: 1, approvers: ["erin"] },
      { groups: ["payments-approvers"], min: 1, approvers: ["bea"] },
    ]);
  });

  it("records an approval that adds nothing yet, answers 200 with the progress, and still needs the other step", async () => {
    const id = await newRequest();
    expect((await h.act("approve", bob, id)).body.status).toBe("PENDING");
    const extra = await h.act("approve", erin, id);
    expect(extra.status).toBe(200);
    expect(extra.body.status).toBe("PENDING");
    expect(extra.body.approvals.map((a: { approver: string }) => a.approver)).toEqual(["bob", "erin"]);
    expect(extra.body.approvalSteps[1]).toEqual({ groups: ["payments-approvers"], min: 1, approvers: [] });
    expect((await h.act("approve", paula, id)).body.status).toBe("APPROVED");
    expect((await h.deps.audit.list(id)).map((e) => e.action)).toEqual([
      "REQUESTED",
      "APPROVAL_RECORDED",
      "APPROVAL_RECORDED",
      "APPROVED",
    ]);
  });

  it("never counts the requester, even one who holds every approver group", async () => {
    const id = await newRequest(insider);
    const own = await h.act("approve", insider, id);
    expect(own.status).toBe(403);
    expect(own.body.code).toBe("self_approval");
    expect((await h.act("approve", erin, id)).body.status).toBe("PENDING");
    expect((await h.act("approve", paula, id)).body.status).toBe("APPROVED");
  });

  it("reaches the same outcome whatever the order of the same approvals", () => {
    const policy = parsePolicy(POLICY, "quorum.yaml");
    const rule = findEntitlement(policy, "refund-quorum");
    if (!rule) throw new Error("no refund-quorum");
    const people = [
      { approver: "bea", at: "t", groups: ["sre", "payments-approvers"] },
      { approver: "erin", at: "t", groups: ["sre"] },
      { approver: "bob", at: "t", groups: ["sre"] },
      { approver: "paula", at: "t", groups: ["payments-approvers"] },
    ];
    const permutations = (xs: typeof people): (typeof people)[] =>
      xs.length <= 1
        ? [xs]
        : xs.flatMap((x, i) => permutations([...xs.slice(0, i), ...xs.slice(i + 1)]).map((p) => [x, ...p]));
    for (let n = 1; n <= people.length; n++) {
      for (const subset of permutations(people.slice(0, n))) {
        // Met exactly when some sre holder and some other payments holder are present: bea plus anyone.
        const expected = n >= 2;
        expect(approvalProgress(rule, subset, "alice").met, subset.map((p) => p.approver).join(",")).toBe(
          expected,
        );
      }
    }
    expect(approvalProgress(rule, [people[1], people[2]] as typeof people, "alice").met).toBe(false);
  });

  it("describes the rule in words in GET /entitlements and in jit entitlements", async () => {
    const res = await invoke(
      h.handlers.listEntitlements,
      proxyEvent({ caller: alice, method: "GET", path: "/entitlements" }),
    );
    const byId = new Map<string, EntitlementView>(
      res.body.entitlements.map((e: EntitlementView) => [e.id, e]),
    );
    const quorum = byId.get("refund-quorum");
    expect(quorum).toMatchObject({
      approvals: [
        { groups: ["sre"], min: 1 },
        { groups: ["payments-approvers"], min: 1 },
      ],
      approverGroups: ["sre", "payments-approvers"],
      minApprovals: 2,
      approvalRule:
        "1 approver from sre and 1 approver from payments-approvers (one step per person; never the requester)",
    });
    expect(byId.get("db-admin")?.approvalRule).toBe("2 approvers from sre or dba (never the requester)");
    expect(approvalRule(quorum as EntitlementView)).toBe(quorum?.approvalRule);
    expect(approvalRule(byId.get("auto-read") as EntitlementView)).toBe("auto");
  });

  it("refuses a policy that gives both approvals steps and approverGroups", () => {
    const broken = POLICY.replace("    approvals:\n", "    approverGroups: [sre]\n    approvals:\n");
    expect(() => parsePolicy(broken, "broken.yaml")).toThrow(
      /approvals: cannot be combined with approverGroups/,
    );
  });
});
