import { z } from "zod";

/**
 * The JIT API's response bodies as the CLI reads them (docs/http-api.md). Objects are loose: members the CLI
 * does not know are kept (and shown by `--json`), so a newer server does not break an older CLI.
 */

/** One approval of a request. */
export const ApprovalSchema = z.looseObject({
  approver: z.string(),
  at: z.string(),
  comment: z.string().optional(),
});

/** An access request (functions/domain/access-request.ts), with its effective status. */
export const AccessRequestSchema = z.looseObject({
  requestId: z.string(),
  /** `extension` for a request to extend the grant `extends`. */
  kind: z.string().optional(),
  extends: z.string().optional(),
  /** An approved extension: the grant's `expiresAt` after it. */
  extendedTo: z.string().optional(),
  requester: z.string(),
  entitlement: z.string(),
  status: z.string(),
  /** True while the grant is usable now (the server's `isGrantActive`). */
  active: z.boolean().optional(),
  durationSeconds: z.number().optional(),
  justification: z.string().optional(),
  ticket: z.string().optional(),
  /** The earliest start asked for (`jit request --start`). */
  startsAt: z.string().optional(),
  createdAt: z.string().optional(),
  approvalDeadline: z.string().optional(),
  approvals: z.array(ApprovalSchema).optional(),
  /** Distinct approvers the entitlement needs (absent for auto-approve and break-glass). */
  minApprovals: z.number().optional(),
  /** The entitlement's approval rule in words (absent for auto-approve and break-glass). */
  approvalRule: z.string().optional(),
  breakGlass: z.boolean().optional(),
  autoApproved: z.boolean().optional(),
  grantedAt: z.string().optional(),
  expiresAt: z.string().optional(),
  deniedBy: z.string().optional(),
  denyReason: z.string().optional(),
  cancelledAt: z.string().optional(),
  revokedAt: z.string().optional(),
  revokedBy: z.string().optional(),
  revokeReason: z.string().optional(),
  /** Break-glass grants: true until an admin has reviewed the use. */
  reviewRequired: z.boolean().optional(),
  reviewedAt: z.string().optional(),
  reviewedBy: z.string().optional(),
  reviewNote: z.string().optional(),
  /** `POST /requests` only: true when the asked duration was shortened to the entitlement's maxDuration. */
  clamped: z.boolean().optional(),
  requestedDurationSeconds: z.number().optional(),
});
export type AccessRequestView = z.output<typeof AccessRequestSchema>;

/** An entitlement the caller may request. */
export const EntitlementSchema = z.looseObject({
  id: z.string(),
  description: z.string().optional(),
  audience: z.string().optional(),
  maxDuration: z.string().optional(),
  defaultDuration: z.string().optional(),
  approverGroups: z.array(z.string()).optional(),
  minApprovals: z.number().optional(),
  /** The approval rule in words, as the server describes it. */
  approvalRule: z.string().optional(),
  requireJustification: z.boolean().optional(),
  ticketPattern: z.string().optional(),
  autoApprove: z.boolean().optional(),
  breakGlass: z.boolean().optional(),
  callerIsApprover: z.boolean().optional(),
});
export type EntitlementView = z.output<typeof EntitlementSchema>;

/** One audit event (functions/domain/audit-event.ts). */
export const AuditEventSchema = z.looseObject({
  action: z.string(),
  actor: z.string(),
  at: z.string(),
  version: z.number().optional(),
  details: z.record(z.string(), z.unknown()).optional(),
});
export type AuditEventView = z.output<typeof AuditEventSchema>;

/** `POST /requests/{id}/token` (RFC 6749 §5.1 member names). */
export const TokenResponseSchema = z.looseObject({
  access_token: z.string().min(1),
  token_type: z.string(),
  /** Seconds until the token's `exp`. */
  expires_in: z.number().nonnegative(),
});
export type TokenResponse = z.output<typeof TokenResponseSchema>;

/** Statuses after which a request never changes again (EXPIRED is derived but just as final). */
export const FINAL_STATUSES: ReadonlySet<string> = new Set(["DENIED", "CANCELLED", "REVOKED", "EXPIRED"]);
