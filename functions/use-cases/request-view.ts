import {
  type AccessRequest,
  type EffectiveStatus,
  effectiveStatus,
  isGrantActive,
} from "../domain/access-request.js";
import { formatDurationSeconds } from "../domain/duration.js";
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
