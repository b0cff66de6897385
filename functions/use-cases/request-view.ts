import {
  type AccessRequest,
  type EffectiveStatus,
  effectiveStatus,
  isExtension,
  isGrantActive,
} from "../domain/access-request.js";
import { type ApprovalProgress, approvalProgress, describeApprovalRule } from "../domain/approval-rule.js";
import { formatDurationSeconds } from "../domain/duration.js";
import { extensionCapMs } from "../domain/grant-extension.js";
import type { Policy } from "../domain/policy.js";
import { findEntitlement } from "../domain/policy.js";

/**
 * A request as the JIT API shows it. `status` is the effective status (EXPIRED derived from
 * `expiresAt` / the approval deadline, never stored); `active` is the shared {@link isGrantActive}.
 * Times are ISO 8601 (UTC).
 */
export interface RequestView extends Omit<AccessRequest, "entitlementId" | "status"> {
  /** Entitlement id (as sent in `POST /requests`). */
  entitlement: string;
  status: EffectiveStatus;
  /** True while the grant is usable now (APPROVED, window started, before `expiresAt`). */
  active: boolean;
  /** The grant length (`durationSeconds`) as an ISO 8601 duration. */
  duration: string;
  /** Distinct approvers the entitlement needs now (absent when it needs none or left the policy). */
  minApprovals?: number;
  /** The entitlement's approval rule in words (absent when it needs no approval or left the policy). */
  approvalRule?: string;
  /** Progress per step of the rule: the approvers the matching assigned to each (same condition). */
  approvalSteps?: ApprovalProgress["steps"];
  /** Break-glass grants: true until an admin has reviewed the use (`POST /requests/{id}/review`). */
  reviewRequired?: boolean;
  /**
   * Grants whose entitlement allows extension: the latest `expiresAt` extensions may reach
   * (`grantedAt + extension.maxTotalDuration`, ISO 8601).
   */
  extendableUntil?: string;
}

/** Maps a stored request to its {@link RequestView} at `nowMs` (epoch ms). */
export function toRequestView(request: AccessRequest, policy: Policy, nowMs: number): RequestView {
  const { entitlementId, status: _stored, ...rest } = request;
  const entitlement = findEntitlement(policy, entitlementId);
  return {
    ...rest,
    entitlement: entitlementId,
    status: effectiveStatus(request, nowMs),
    active: isGrantActive(request, nowMs),
    duration: formatDurationSeconds(request.durationSeconds),
    ...(request.breakGlass ? { reviewRequired: request.reviewedAt === undefined } : {}),
    ...(entitlement?.extension !== undefined && request.grantedAt !== undefined && !isExtension(request)
      ? { extendableUntil: new Date(extensionCapMs(request, entitlement)).toISOString() }
      : {}),
    ...(entitlement && !entitlement.autoApprove && !entitlement.breakGlass
      ? {
          minApprovals: entitlement.minApprovals,
          approvalRule: describeApprovalRule(entitlement),
          approvalSteps: approvalProgress(entitlement, request.approvals, request.requester).steps,
        }
      : {}),
  };
}
