/**
 * Audit trail entries (append-only Audit table). One event per successful transition, one per token
 * issued, one per TTL deletion observed on the stream.
 */

/** What happened. */
export type AuditAction =
  | "REQUESTED"
  | "APPROVAL_RECORDED"
  | "APPROVED"
  | "AUTO_APPROVED"
  | "BREAK_GLASS_GRANTED"
  | "DENIED"
  | "CANCELLED"
  | "REVOKED"
  | "TOKEN_ISSUED"
  | "EXPIRED"
  | "DELETED"
  /** A grant's `expiresAt` moved later by an approved extension (on the grant's trail). */
  | "EXTENDED"
  /** An admin reviewed a break-glass grant. */
  | "REVIEWED";

/** One audit event. */
export interface AuditEvent {
  requestId: string;
  /**
   * Sort key: `<ISO 8601 time>#<unique suffix>` so a request's events list in time order and a
   * conditional `attribute_not_exists` put can never overwrite one.
   */
  eventId: string;
  action: AuditAction;
  /** The `sub` of who did it, or `system:<component>` (e.g. `system:dynamodb-ttl`). */
  actor: string;
  at: string;
  /** Request version after the transition, when the event is a transition. */
  version?: number;
  /** Free details: comment, reason, jti, exp, ... (never a token). */
  details?: Record<string, string | number | boolean>;
}

/**
 * Builds an event id that sorts by time and is unique: `2026-11-29T12:00:00.000Z#v0003#APPROVED`.
 * @param at ISO 8601 time; @param suffix unique within the request (version + action, or a `jti`).
 */
export function auditEventId(at: string, suffix: string): string {
  return `${at}#${suffix}`;
}
