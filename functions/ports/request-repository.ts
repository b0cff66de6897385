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
 * One partition a paged list reads, in the index's order: a requester's requests (newest first) or the
 * requests of one status and entitlement (oldest first). `createdAfter` bounds the read as in
 * {@link ListOptions}.
 */
export type ListPartition =
  | { kind: "requester"; requester: string; createdAfter?: string }
  | {
      kind: "status";
      status: "PENDING" | "APPROVED" | "REVOKED";
      entitlementId: string;
      createdAfter?: string;
    };

/**
 * Where a read of one partition stopped: the store's own position (for DynamoDB, the `ExclusiveStartKey`
 * of the index), opaque to the use cases. Strings only, so it round-trips through a cursor unchanged.
 */
export type PartitionPosition = Readonly<Record<string, string>>;

/** One item of a partition read, in index order, with the position just after it. */
export interface PartitionEntry {
  /** The request, or `undefined` for a stored item that is not a valid request (skipped, still passed). */
  request: AccessRequest | undefined;
  /** Reading again from here starts with the next item. */
  position: PartitionPosition;
}

/** What one bounded read of a partition returned. */
export interface PartitionRead {
  entries: PartitionEntry[];
  /** True when nothing follows the last entry. */
  exhausted: boolean;
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
  /**
   * Reads one partition of a paged list from `after` (its start when `undefined`), in index order, until
   * `wanted` items were read or the partition ends; a bounded number of store pages per call.
   */
  readPartition(
    partition: ListPartition,
    after: PartitionPosition | undefined,
    wanted: number,
  ): Promise<PartitionRead>;
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
