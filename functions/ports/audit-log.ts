import type { AuditEvent } from "../domain/audit-event.js";

/** The append-only audit trail. */
export interface AuditLog {
  /**
   * Appends one event. Never overwrites: a second event with the same (requestId, eventId) fails.
   * @throws ConflictError if that event id already exists.
   */
  append(event: AuditEvent): Promise<void>;
  /** A request's events, oldest first. */
  list(requestId: string): Promise<AuditEvent[]>;
}
