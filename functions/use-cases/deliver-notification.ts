import type { IntegrationEventDetail } from "../domain/notifications/integration-event.js";
import type { ChannelSender, NotificationLedger } from "../ports/notifications.js";

/** What a delivery needs. */
export interface DeliverDeps {
  sender: ChannelSender;
  ledger: NotificationLedger;
}

/** How long a delivery is remembered for deduplication: far longer than any retry or bus duplicate. */
export const DELIVERY_MEMORY_SECONDS = 7 * 24 * 3600;

/** Ledger key of one event delivered to one channel. */
export function deliveryKey(channel: string, eventId: string): string {
  return `delivery#${channel}#${eventId}`;
}

/**
 * Delivers one event to one channel at most once per event id (docs/events.md): an event already delivered
 * to this channel (a bus duplicate, a retried batch) is skipped.
 * @returns `delivered`, or `duplicate` when it had been delivered before.
 * @throws DeliveryError (or the ledger's error) when the attempt failed; the queue retries it.
 */
export async function deliverNotification(
  deps: DeliverDeps,
  channel: string,
  detail: IntegrationEventDetail,
): Promise<"delivered" | "duplicate"> {
  const key = deliveryKey(channel, detail.eventId);
  if (await deps.ledger.has(key)) return "duplicate";
  await deps.sender.send(channel, detail);
  await deps.ledger.record(key, DELIVERY_MEMORY_SECONDS);
  return "delivered";
}
