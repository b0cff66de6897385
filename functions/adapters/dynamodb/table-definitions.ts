/**
 * The DynamoDB schema, in one place: the CDK stack (infra/) and the DynamoDB Local harness (local/) both
 * build their tables from these definitions, so the deployed and local schemas cannot drift.
 * Plain data only: no AWS SDK or CDK imports here.
 */

/**
 * Name of the TTL attribute on the Requests table: a Number, epoch seconds
 * (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/time-to-live-ttl-before-you-start.html).
 * Derived from `expiresAt` for grants and from the approval deadline for pending requests.
 * TTL is garbage collection only; correctness never depends on it.
 */
export const TTL_ATTRIBUTE = "ttl";

/**
 * Requests table attribute (ISO 8601) holding the `at` of the latest TOKEN_ISSUED event of a grant. Token
 * issue writes it in the same transaction as the event, only forwards; every transition requires it to
 * lie at or before the transition's own time. So a revoke can never commit with a time earlier than a
 * token issued before it, and the audit trail (ordered by time) shows no token after REVOKED (H30).
 */
export const LAST_TOKEN_ISSUED_ATTRIBUTE = "lastTokenIssuedAt";

/** Attribute types used by keys (DynamoDB `ScalarAttributeType`). */
export type KeyAttributeType = "S" | "N";

/** A key attribute. */
export interface KeyAttribute {
  name: string;
  type: KeyAttributeType;
}

/** A global secondary index; projection ALL. */
export interface GlobalIndexDefinition {
  indexName: string;
  partitionKey: KeyAttribute;
  sortKey?: KeyAttribute;
}

/** One table's definition. */
export interface TableDefinition {
  /** Logical id in CDK and default local table name. */
  id: "Requests" | "Audit" | "Notifications";
  partitionKey: KeyAttribute;
  sortKey?: KeyAttribute;
  globalSecondaryIndexes: GlobalIndexDefinition[];
  /** TTL attribute name, or undefined for no TTL. */
  ttlAttribute?: string;
  /** Stream view type, or undefined for no stream. */
  stream?: "NEW_AND_OLD_IMAGES" | "NEW_IMAGE" | "OLD_IMAGE";
}

/** GSI listing a requester's requests, newest first (`GET /requests?mine`). */
export const REQUESTS_BY_REQUESTER_INDEX = "byRequester";
/**
 * GSI of requests by status and entitlement (`GET /requests?pending` queries `PENDING#<entitlement>`).
 * Not sparse on purpose: every item carries every GSI key attribute, because DynamoDB Local's TTL sweeper
 * stops for good on a table where an expired item lacks one (observed with DynamoDB Local 3.3.0), and
 * the local stack relies on real TTL deletes.
 */
export const REQUESTS_PENDING_INDEX = "byStatusEntitlement";
/** Attribute holding `<status>#<entitlementId>`, the partition key of {@link REQUESTS_PENDING_INDEX}. */
export const STATUS_ENTITLEMENT_ATTRIBUTE = "statusEntitlement";

/** Requests: one item per access request / grant, keyed by request id. */
export const REQUESTS_TABLE: TableDefinition = {
  id: "Requests",
  partitionKey: { name: "requestId", type: "S" },
  globalSecondaryIndexes: [
    {
      indexName: REQUESTS_BY_REQUESTER_INDEX,
      partitionKey: { name: "requester", type: "S" },
      sortKey: { name: "createdAt", type: "S" },
    },
    {
      indexName: REQUESTS_PENDING_INDEX,
      partitionKey: { name: STATUS_ENTITLEMENT_ATTRIBUTE, type: "S" },
      sortKey: { name: "createdAt", type: "S" },
    },
  ],
  ttlAttribute: TTL_ATTRIBUTE,
  // Old images let the expiry consumer audit what a TTL delete removed.
  stream: "NEW_AND_OLD_IMAGES",
};

/** Audit: append-only events per request, ordered by `eventId` (ISO time, then a unique suffix). */
export const AUDIT_TABLE: TableDefinition = {
  id: "Audit",
  partitionKey: { name: "requestId", type: "S" },
  sortKey: { name: "eventId", type: "S" },
  globalSecondaryIndexes: [],
  // New images feed the notification publisher (docs/events.md): every audit event becomes a bus event.
  stream: "NEW_IMAGE",
};

/**
 * Notifications: the notifier's memory for idempotency (`delivery#<channel>#<eventId>`,
 * `reminder#<requestId>#<action>#<slot>`), each entry expiring by TTL. Holds no request data.
 */
export const NOTIFICATIONS_TABLE: TableDefinition = {
  id: "Notifications",
  partitionKey: { name: "key", type: "S" },
  globalSecondaryIndexes: [],
  ttlAttribute: TTL_ATTRIBUTE,
};

/** Every table, in creation order. */
export const TABLES: readonly TableDefinition[] = [REQUESTS_TABLE, AUDIT_TABLE];

/** Table names for one deployment or test run. */
export interface TableNames {
  requests: string;
  audit: string;
}
