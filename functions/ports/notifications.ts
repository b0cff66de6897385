import type { AccessRequest } from "../domain/access-request.js";
import type { BusEvent, IntegrationEventDetail } from "../domain/notifications/integration-event.js";

/** The event bus (EventBridge `PutEvents`). */
export interface EventBus {
  /**
   * Puts events on the bus; resolves only when every one was accepted.
   * @throws Error naming the failed entries when any was refused (the caller retries; event ids make
   *   a repeat harmless).
   */
  put(events: readonly BusEvent[]): Promise<void>;
}

/** Read access to channel secrets (Secrets Manager). Values are never logged. */
export interface SecretSource {
  /**
   * The current value of secret `name` (`SecretString`).
   * @throws Error when it cannot be read (the delivery is retried).
   */
  get(name: string): Promise<string>;
}

/**
 * Remembers what was done, for idempotency: deliveries by channel and event id, reminders by request and
 * slot. Entries expire after a while (DynamoDB TTL); duplicates arrive within minutes, not weeks.
 */
export interface NotificationLedger {
  /** Whether `key` was recorded. */
  has(key: string): Promise<boolean>;
  /** Records `key` (idempotent). @param ttlSeconds how long to keep it. */
  record(key: string, ttlSeconds: number): Promise<void>;
}

/** Sends one event to one channel. Each channel type has one implementation. */
export interface ChannelSender {
  /**
   * Delivers `detail` to channel `channel`.
   * @throws DeliveryError when the receiver failed, timed out or refused (the queue retries).
   */
  send(channel: string, detail: IntegrationEventDetail): Promise<void>;
}

/** Delays the next attempt at a queued message (SQS `ChangeMessageVisibility`). */
export interface RetryDelay {
  /** Makes the message invisible for `seconds` from now. */
  delay(message: { queueArn: string; receiptHandle: string }, seconds: number): Promise<void>;
}

/** Requests by stored status and entitlement (the Requests table's status index). */
export interface RequestsByStatus {
  /** Every request of `entitlementId` whose stored status is `status`, oldest first (bounded). */
  list(status: "PENDING" | "APPROVED", entitlementId: string): Promise<AccessRequest[]>;
}
