// The validated policy as every component reads it. Produced from the policy file by config/policy.ts;
// the domain owns the shape so that domain code never imports configuration.

/** An entitlement ready for use: durations in seconds, ticket pattern compiled and anchored. */
export interface Entitlement {
  id: string;
  description: string;
  /** Token `aud` of the protected API this entitlement opens. */
  audience: string;
  /** `METHOD /path` patterns; `*` matches any characters (API Gateway `methodArn` semantics). */
  permissions: string[];
  eligibleGroups: string[];
  /** Every group whose members may approve (the union of the steps' groups). */
  approverGroups: string[];
  /** Distinct approvers needed in all, not counting the requester (≥ 1): the sum of the steps' `min`. */
  minApprovals: number;
  /**
   * The approval rule: every step must get `min` distinct approvers from its groups, one step per person
   * (docs/configuration.md). `minApprovals` + `approverGroups` in the policy file is the one-step form.
   */
  approvalSteps: ApprovalStep[];
  maxDurationSeconds: number;
  defaultDurationSeconds: number;
  /** How long a PENDING request waits for approval before it expires. */
  approvalTimeoutSeconds: number;
  requireJustification: boolean;
  /** Source of the ticket pattern; it must match the whole ticket. */
  ticketPattern: string | undefined;
  autoApprove: boolean;
  breakGlass: boolean;
  /** Whether and how far an active grant may be extended; `undefined`: never. */
  extension: ExtensionSettings | undefined;
  /** Channel names per audience (names of {@link NotificationSettings.channels}). */
  notify: EntitlementNotify;
}

/** Policy `extension` of an entitlement (docs/configuration.md, "Extending a grant"). */
export interface ExtensionSettings {
  /** Longest a grant may last in all, extensions included, seconds: `expiresAt ≤ grantedAt + this`. */
  maxTotalDurationSeconds: number;
  /** Extensions are approved at once (still audited) instead of by the entitlement's approval rule. */
  autoApprove: boolean;
}

/** Who hears about an entitlement's requests, as channel names (docs/configuration.md, docs/events.md). */
export interface EntitlementNotify {
  /** New requests, reminders, decisions. */
  approvers: string[];
  /** Decisions, revocation, expiry warnings. */
  requester: string[];
  /** Break-glass use and review. */
  security: string[];
  /** Once, shortly before a pending request's approval deadline. */
  escalation: string[];
}

/** One notification channel: its type, the Secrets Manager secret holding its credentials, its URL. */
export type NotificationChannel =
  | { type: "slack"; secret: string; url: string | undefined }
  | { type: "webhook"; secret: string; url: string | undefined }
  | { type: "email"; secret: string | undefined; url: string | undefined };

/** Policy `notifications`: channels by name and reminder timing in seconds. */
export interface NotificationSettings {
  channels: Record<string, NotificationChannel>;
  reminders: {
    /** First re-announcement of a pending request after its creation; later gaps double. */
    firstAfterSeconds: number;
    /** Escalation lead time before the approval deadline. */
    escalateBeforeSeconds: number;
    /** Expiry warning lead time before a grant's `expiresAt`. */
    expiryWarningBeforeSeconds: number;
  };
}

/** One step of an approval rule: `min` distinct approvers who hold one of `groups`. */
export interface ApprovalStep {
  groups: string[];
  min: number;
}

/** A development IdP user (local stack). */
export interface DevUser {
  username: string;
  email: string | undefined;
  groups: string[];
}

/**
 * Who signs people in (DESIGN.md §8). Without `issuer` the CDK app creates a Cognito user pool with a
 * console and a CLI client; with one, that OIDC provider is used and both client ids are given.
 */
export interface PolicyIdentity {
  /** External OIDC issuer, compared exactly with `iss`; https (http only on loopback). */
  issuer: string | undefined;
  /** Client id of the web console at the external issuer (`aud` of its ID tokens). */
  consoleClientId: string | undefined;
  /** Client id of the `jit` CLI at the external issuer (`aud` of its ID tokens). */
  cliClientId: string | undefined;
  /** Claim listing the caller's groups (`cognito:groups`, `groups`). */
  groupsClaim: string;
  /** JWKS location overriding OpenID discovery's `jwks_uri`. */
  jwksUri: string | undefined;
}

/** The validated policy: what every component reads. */
export interface Policy {
  /** Longest lifetime of one access token, seconds (token `exp - iat`). */
  tokenTtlSeconds: number;
  /** Groups that may revoke any grant. */
  adminGroups: string[];
  identity: PolicyIdentity;
  entitlements: Entitlement[];
  users: DevUser[];
  notifications: NotificationSettings;
}

/** Finds an entitlement by id; `undefined` when the policy has none. */
export function findEntitlement(policy: Policy, id: string): Entitlement | undefined {
  return policy.entitlements.find((e) => e.id === id);
}
