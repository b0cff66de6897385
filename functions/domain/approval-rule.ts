/**
 * Approval rules (docs/configuration.md): an entitlement's steps `[{groups, min}]` are met when the recorded
 * approvers can be assigned to steps, one step per person, giving every step its `min`. This is a
 * bipartite matching (people ↔ step seats), computed with augmenting paths (Kuhn's algorithm), so the
 * order in which approvals arrive never changes the outcome and concurrent approvals commute.
 */
import type { Approval } from "./access-request.js";
import type { ApprovalStep, Entitlement } from "./policy.js";
import { maybeSameIdentity } from "./policy-evaluation.js";

/** How far a request's approvals go towards its entitlement's rule. */
export interface ApprovalProgress {
  /** True when every step has its `min`. */
  met: boolean;
  /** Per step: its groups and `min`, and the approvers the matching assigned to it. */
  steps: { groups: string[]; min: number; approvers: string[] }[];
}

/**
 * The approver groups of `entitlement` that `groups` holds: what an approval records, so the rule is later
 * evaluated against the groups the approver held when approving.
 */
export function approverGroupsHeld(entitlement: Entitlement, groups: readonly string[]): string[] {
  return entitlement.approverGroups.filter((g) => groups.includes(g));
}

/**
 * Matches `approvals` to the steps of `entitlement`. The requester never counts; an approval that records
 * no groups (stored before rules had steps) qualifies for a one-step rule only.
 */
export function approvalProgress(
  entitlement: Entitlement,
  approvals: readonly Approval[],
  requester: string,
): ApprovalProgress {
  const steps = entitlement.approvalSteps;
  const seats: number[] = steps.flatMap((s, i) => Array.from({ length: s.min }, () => i));
  const people = approvals.filter((a) => !maybeSameIdentity(a.approver, requester));
  const qualifies = (a: Approval, step: ApprovalStep) =>
    a.groups === undefined ? steps.length === 1 : a.groups.some((g) => step.groups.includes(g));
  const seatOf = new Array<number>(people.length).fill(-1);
  const personAt = new Array<number>(seats.length).fill(-1);
  const augment = (p: number, seen: boolean[]): boolean => {
    for (let s = 0; s < seats.length; s++) {
      if (seen[s] || !qualifies(people[p] as Approval, steps[seats[s] as number] as ApprovalStep)) continue;
      seen[s] = true;
      const holder = personAt[s] as number;
      if (holder === -1 || augment(holder, seen)) {
        personAt[s] = p;
        seatOf[p] = s;
        return true;
      }
    }
    return false;
  };
  for (let p = 0; p < people.length; p++) augment(p, new Array<boolean>(seats.length).fill(false));
  const assigned = steps.map((s) => ({ groups: s.groups, min: s.min, approvers: [] as string[] }));
  seatOf.forEach((s, p) => {
    if (s !== -1) assigned[seats[s] as number]?.approvers.push((people[p] as Approval).approver);
  });
  return { met: steps.length > 0 && personAt.every((p) => p !== -1), steps: assigned };
}

/**
 * The rule in words, as `GET /entitlements` and `jit entitlements` show it: "2 approvers from sre or dba",
 * "1 approver from sre and 1 approver from payments-approvers (one step per person)", "no approval
 * (auto-approved)", "none: break-glass, reviewed afterwards".
 */
export function describeApprovalRule(entitlement: Entitlement): string {
  if (entitlement.breakGlass) return "none: break-glass, reviewed afterwards";
  if (entitlement.autoApprove) return "no approval (auto-approved)";
  const parts = entitlement.approvalSteps.map(
    (s) => `${s.min} approver${s.min === 1 ? "" : "s"} from ${s.groups.join(" or ")}`,
  );
  const words = parts.join(" and ");
  return parts.length > 1
    ? `${words} (one step per person; never the requester)`
    : `${words} (never the requester)`;
}
