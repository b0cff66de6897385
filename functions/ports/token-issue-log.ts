import type { AccessRequest } from "../domain/access-request.js";
import type { AuditEvent } from "../domain/audit-event.js";
import type { AuditLog } from "./audit-log.js";

/** The audit trail as token issue uses it: a token is recorded only together with a check of its grant. */
export interface TokenIssueLog extends AuditLog {
  /**
   * Stores `event` (TOKEN_ISSUED) in one transaction with a check that `grant` is still APPROVED at
   * `grant.version` and that `event.at` lies before its `expiresAt` (README.md, How it works): no token is recorded,
   * and so none handed out, once a revoke or any other change has committed (H30).
   * @throws ConflictError `conflict` (409) when the grant changed or a later token was recorded first;
   *   the caller re-reads the grant and decides again.
   */
  appendTokenIssued(grant: AccessRequest, event: AuditEvent): Promise<void>;
}
