import { parseDurationSeconds } from "../domain/duration.js";
import type { Entitlement, NotificationChannel, Policy } from "../domain/policy.js";
import type { PolicyFile } from "./policy-schema.js";

/** Default request duration when the file gives none: one hour, or maxDuration if shorter. */
const FALLBACK_DEFAULT_DURATION_SECONDS = 3_600;

/** Converts a schema-validated policy file into the {@link Policy} every component uses. */
export function toPolicy(file: PolicyFile): Policy {
  return {
    tokenTtlSeconds: parseDurationSeconds(file.tokenTtl),
    adminGroups: file.adminGroups,
    identity: {
      issuer: file.identity.issuer,
      consoleClientId: file.identity.consoleClientId,
      cliClientId: file.identity.cliClientId,
      groupsClaim: file.identity.groupsClaim,
      jwksUri: file.identity.jwksUri,
    },
    entitlements: file.entitlements.map((e) => {
      const maxDurationSeconds = parseDurationSeconds(e.maxDuration);
      return {
        id: e.id,
        description: e.description,
        audience: e.audience,
        permissions: e.permissions,
        eligibleGroups: e.eligibleGroups,
        ...approvalRule(e),
        maxDurationSeconds,
        defaultDurationSeconds:
          e.defaultDuration === undefined
            ? Math.min(FALLBACK_DEFAULT_DURATION_SECONDS, maxDurationSeconds)
            : parseDurationSeconds(e.defaultDuration),
        approvalTimeoutSeconds: parseDurationSeconds(e.approvalTimeout),
        requireJustification: e.requireJustification,
        ticketPattern: e.ticketPattern,
        autoApprove: e.autoApprove,
        breakGlass: e.breakGlass,
        extension:
          e.extension === undefined
            ? undefined
            : {
                maxTotalDurationSeconds: parseDurationSeconds(e.extension.maxTotalDuration),
                autoApprove: e.extension.autoApprove,
              },
        notify: e.notify,
      };
    }),
    users: file.users.map((u) => ({ username: u.username, email: u.email, groups: u.groups })),
    notifications: {
      channels: Object.fromEntries(
        Object.entries(file.notifications.channels).map(([name, c]) => [
          name,
          { ...c, secret: c.secret, url: c.url } as NotificationChannel,
        ]),
      ),
      reminders: {
        firstAfterSeconds: parseDurationSeconds(file.notifications.reminders.firstAfter),
        escalateBeforeSeconds: parseDurationSeconds(file.notifications.reminders.escalateBefore),
        expiryWarningBeforeSeconds: parseDurationSeconds(file.notifications.reminders.expiryWarningBefore),
      },
    },
  };
}

/**
 * The approval rule of one entitlement: its steps, the union of their groups and the number of distinct
 * approvers they need in all. `minApprovals` (default 1) over `approverGroups` is one step.
 */
function approvalRule(
  e: PolicyFile["entitlements"][number],
): Pick<Entitlement, "approverGroups" | "minApprovals" | "approvalSteps"> {
  const approvalSteps =
    e.approvals?.map((s) => ({ groups: s.groups, min: s.min })) ??
    (e.approverGroups.length > 0 ? [{ groups: e.approverGroups, min: e.minApprovals ?? 1 }] : []);
  return {
    approverGroups: [...new Set(approvalSteps.flatMap((s) => s.groups))],
    minApprovals: approvalSteps.reduce((sum, s) => sum + s.min, 0) || (e.minApprovals ?? 1),
    approvalSteps,
  };
}
