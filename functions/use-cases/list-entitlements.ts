import { describeApprovalRule } from "../domain/approval-rule.js";
import { formatDurationSeconds } from "../domain/duration.js";
import type { ApprovalStep } from "../domain/policy.js";
import { type Actor, isApproverOf, isEligible } from "../domain/policy-evaluation.js";
import type { WorkflowDeps } from "./workflow-deps.js";

/** An entitlement as `GET /entitlements` shows it. Durations in ISO 8601 and in seconds. */
export interface EntitlementView {
  id: string;
  description: string;
  audience: string;
  permissions: string[];
  approverGroups: string[];
  /** Distinct approvers needed in all (the sum of the steps' `min`). */
  minApprovals: number;
  /** The rule as steps: every step needs `min` approvers from its groups, one step per person. */
  approvals: ApprovalStep[];
  /** The rule in words, e.g. "1 approver from sre and 1 approver from payments-approvers (…)". */
  approvalRule: string;
  maxDuration: string;
  maxDurationSeconds: number;
  defaultDuration: string;
  defaultDurationSeconds: number;
  approvalTimeoutSeconds: number;
  requireJustification: boolean;
  ticketPattern?: string;
  autoApprove: boolean;
  breakGlass: boolean;
  /** True when the caller is also an approver of it (of other people's requests). */
  callerIsApprover: boolean;
}

/**
 * The entitlements `actor` may request now (their current groups ∩ `eligibleGroups`), in policy order.
 */
export function listEntitlements(deps: Pick<WorkflowDeps, "policy">, actor: Actor): EntitlementView[] {
  return deps.policy.entitlements
    .filter((e) => isEligible(e, actor))
    .map((e) => ({
      id: e.id,
      description: e.description,
      audience: e.audience,
      permissions: e.permissions,
      approverGroups: e.approverGroups,
      minApprovals: e.minApprovals,
      approvals: e.approvalSteps,
      approvalRule: describeApprovalRule(e),
      maxDuration: formatDurationSeconds(e.maxDurationSeconds),
      maxDurationSeconds: e.maxDurationSeconds,
      defaultDuration: formatDurationSeconds(e.defaultDurationSeconds),
      defaultDurationSeconds: e.defaultDurationSeconds,
      approvalTimeoutSeconds: e.approvalTimeoutSeconds,
      requireJustification: e.requireJustification,
      ...(e.ticketPattern === undefined ? {} : { ticketPattern: e.ticketPattern }),
      autoApprove: e.autoApprove,
      breakGlass: e.breakGlass,
      callerIsApprover: isApproverOf(e, actor),
    }));
}
