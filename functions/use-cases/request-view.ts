import type { Policy } from "../config/policy.js";
import { findEntitlement } from "../config/policy.js";
import {
  type AccessRequest,
  type Approval,
  type EffectiveStatus,
  effectiveStatus,
  isGrantActive,
} from "../domain/access-request.js";
import { formatDurationSeconds } from "../domain/duration.js";

/**
 * A request as the JIT API shows it. `status` is the effective status (EXPIRED derived from
 * `expiresAt` / the approval deadline, never stored); `active` is the shared {@link isGrantActive}.
 * Times are ISO 8601 (UTC).
 */
export interface RequestView {
  requestId: string;
  requester: string;
  /** Entitlement id (as sent in `POST /requests`). */
  entitlement: string;
  audience: string;
  status: EffectiveStatus;
  /** True while the grant is usable now (APPROVED, window started, before `expiresAt`). */
  active: boolean;
  /** Grant length, seconds, after clamping to `maxDuration`. */
  durationSeconds: number;
  /** The same length as an ISO 8601 duration. */
  duration: string;
  justification?: string;
  ticket?: string;
  startsAt?: string;
  createdAt: string;
  approvalDeadline: string;
  approvals: Approval[];
  /** Distinct approvers the entitlement needs now (absent when it needs none or left the policy). */
  minApprovals?: number;
  breakGlass: boolean;
  autoApproved: boolean;
  grantedAt?: string;
  expiresAt?: string;
  deniedBy?: string;
  denyReason?: string;
  cancelledAt?: string;
  revokedAt?: string;
  revokedBy?: string;
  revokeReason?: string;
  updatedAt: string;
  version: number;
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
    ...(entitlement && !entitlement.autoApprove && !entitlement.breakGlass
      ? { minApprovals: entitlement.minApprovals }
      : {}),
  };
}
