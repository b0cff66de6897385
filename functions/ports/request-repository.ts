import type { AccessRequest } from "../domain/access-request.js";
import type { AuditEvent } from "../domain/audit-event.js";
import type { RequestTransition } from "../domain/request-transitions.js";
import type { RequestReader } from "./request-store.js";

/** Bounds of a list query. */
export interface ListOptions {
  /** Most items returned (1-100). */
  limit: number;
  /** Only requests created at or after this ISO 8601 time. */
  createdAfter?: string;
}

/**
 * The workflow's store of requests: reads, creation and transitions. Every write also appends its audit
 * events in the same transaction, so a state change and its audit record exist together or not at all.
 */
export interface RequestRepository extends RequestReader {
  /**
   * Stores a new request with its creation events.
   * @throws ConflictError if a request with that id already exists.
   */
  create(request: AccessRequest, events: AuditEvent[]): Promise<void>;
  /**
   * Persists one transition, conditioned on the request still having `before.status` and `before.version`
   * and on its `deadlineField` still lying after `now`; appends `event` (never overwriting one).
   * Resolves only once both are stored.
   * @throws ConflictError `conflict` (409) when any condition fails: another change won the race.
   */
  transition(transition: RequestTransition): Promise<void>;
  /**
   * Stores the approval of an extension and the move of its grant's `expiresAt` in ONE transaction: the
   * extension's creation (auto-approved) or transition, and the grant's EXTENDED transition, each with
   * its conditions (the grant still APPROVED, at its expected version, before its `expiresAt`) and its
   * audit events. Resolves only once all are stored; nothing is stored when any condition fails.
   * @throws ConflictError `conflict` (409) when any condition fails.
   */
  extend(change: ExtensionChange): Promise<void>;
  /** The requester's requests, newest first. */
  listByRequester(requester: string, options: ListOptions): Promise<AccessRequest[]>;
  /** PENDING requests of an entitlement (stored status), oldest first. */
  listPending(entitlementId: string, options: ListOptions): Promise<AccessRequest[]>;
  /** Requests of an entitlement with this stored status, oldest first. */
  listByStatus(
    status: "APPROVED" | "REVOKED",
    entitlementId: string,
    options: ListOptions,
  ): Promise<AccessRequest[]>;
}

/** An extension's decision together with its grant's move (see {@link RequestRepository.extend}). */
export interface ExtensionChange {
  extension: { create: AccessRequest; events: AuditEvent[] } | { transition: RequestTransition };
  grant: RequestTransition;
}
