import { parseDurationSeconds } from "../domain/duration.js";
import type { PolicyFile } from "./policy-schema.js";

/** An entitlement ready for use: durations in seconds, ticket pattern compiled and anchored. */
export interface Entitlement {
  id: string;
  description: string;
  /** Token `aud` of the protected API this entitlement opens. */
  audience: string;
  /** `METHOD /path` patterns; `*` matches any characters (API Gateway `methodArn` semantics). */
  permissions: string[];
  eligibleGroups: string[];
  approverGroups: string[];
  /** Distinct approvers needed, not counting the requester (≥ 1). */
  minApprovals: number;
  maxDurationSeconds: number;
  defaultDurationSeconds: number;
  /** How long a PENDING request waits for approval before it expires. */
  approvalTimeoutSeconds: number;
  requireJustification: boolean;
  /** Source of the ticket pattern; it must match the whole ticket. */
  ticketPattern: string | undefined;
  autoApprove: boolean;
  breakGlass: boolean;
}

/** A development IdP user (local stack). */
export interface DevUser {
  username: string;
  email: string | undefined;
  groups: string[];
}

/** The validated policy: what every component reads. */
export interface Policy {
  /** Longest lifetime of one access token, seconds (token `exp - iat`). */
  tokenTtlSeconds: number;
  /** Groups that may revoke any grant. */
  adminGroups: string[];
  identity: { issuer: string | undefined; audience: string | undefined; groupsClaim: string };
  entitlements: Entitlement[];
  users: DevUser[];
}

/** Default request duration when the file gives none: one hour, or maxDuration if shorter. */
const FALLBACK_DEFAULT_DURATION_SECONDS = 3_600;

/** Converts a schema-validated policy file into the {@link Policy} every component uses. */
export function toPolicy(file: PolicyFile): Policy {
  return {
    tokenTtlSeconds: parseDurationSeconds(file.tokenTtl),
    adminGroups: file.adminGroups,
    identity: {
      issuer: file.identity.issuer,
      audience: file.identity.audience,
      groupsClaim: file.identity.groupsClaim,
    },
    entitlements: file.entitlements.map((e) => {
      const maxDurationSeconds = parseDurationSeconds(e.maxDuration);
      return {
        id: e.id,
        description: e.description,
        audience: e.audience,
        permissions: e.permissions,
        eligibleGroups: e.eligibleGroups,
        approverGroups: e.approverGroups,
        minApprovals: e.minApprovals,
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
      };
    }),
    users: file.users.map((u) => ({ username: u.username, email: u.email, groups: u.groups })),
  };
}

/** Finds an entitlement by id; `undefined` when the policy has none. */
export function findEntitlement(policy: Policy, id: string): Entitlement | undefined {
  return policy.entitlements.find((e) => e.id === id);
}
