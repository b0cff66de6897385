/** CloudWatch namespace of every jit-access metric, EMF and metric filters alike (docs/operations.md). */
export const METRICS_NAMESPACE = "JitAccess";

/**
 * Value of the `service` dimension on every EMF metric. One fixed value for all Lambdas, so a metric means
 * the same thing whichever Lambda emitted it and alarms can name it exactly.
 */
export const METRICS_SERVICE = "jit-access";

/**
 * Names of the operational metrics the JIT API and the notification Lambdas emit (docs/operations.md).
 * Each is a count of one event. The JIT authorizer emits none: its decisions are counted from its log
 * lines by CloudWatch metric filters, so the hot path writes nothing extra.
 */
export const METRIC = {
  /** A request was created and waits for approval. */
  requestCreated: "RequestCreated",
  /** A request of an auto-approve entitlement was granted at once. */
  requestAutoApproved: "RequestAutoApproved",
  /** A break-glass grant was taken (self-served, review required). */
  breakGlassGranted: "BreakGlassGranted",
  /** An admin recorded the review of a break-glass grant. */
  breakGlassReviewed: "BreakGlassReviewed",
  /** An approval was recorded; more approvers are needed. */
  approvalRecorded: "ApprovalRecorded",
  /** A request reached APPROVED through its approvers. */
  requestApproved: "RequestApproved",
  requestDenied: "RequestDenied",
  requestCancelled: "RequestCancelled",
  requestRevoked: "RequestRevoked",
  /** The requester of a grant asked for an extension that waits for approval. */
  extensionRequested: "ExtensionRequested",
  /** An approved extension moved a grant's `expiresAt` later. */
  grantExtended: "GrantExtended",
  /** An access token was signed and handed out. */
  tokenIssued: "TokenIssued",
  /** A notification reached its channel (dimension `channel`). */
  notificationDelivered: "NotificationDelivered",
  /** A delivery attempt failed and will be retried by its queue (dimension `channel`). */
  notificationDeliveryFailed: "NotificationDeliveryFailed",
  /** A queued delivery message could not be read; it ends in the dead-letter queue. */
  notificationUnreadable: "NotificationUnreadable",
} as const;

/** One of {@link METRIC}'s names. */
export type MetricName = (typeof METRIC)[keyof typeof METRIC];

/** Counts operational events. Implementations must never throw into the caller's path. */
export interface OperationalMetrics {
  /**
   * Counts one occurrence of `name`.
   * @param dimensions extra dimensions (low-cardinality values only: a channel name, never an id).
   */
  count(name: MetricName, dimensions?: Readonly<Record<string, string>>): void;
}
