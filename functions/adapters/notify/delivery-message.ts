import type { IntegrationEventDetail } from "../../domain/notifications/integration-event.js";

/** One queued delivery: the channel it is for and the bus event's detail. */
export interface DeliveryMessage {
  channel: string;
  detail: IntegrationEventDetail;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Reads an SQS message body put there by a channel's bus rule: `{"channel": "<name>", "event": <the
 * EventBridge event>}` (the rule target's input transformer builds it). Returns a reason when the body
 * is unusable (safe to log: no contents).
 */
export function parseDeliveryMessage(body: unknown): DeliveryMessage | { problem: string } {
  let value: unknown;
  try {
    value = typeof body === "string" ? JSON.parse(body) : undefined;
  } catch {
    return { problem: "body is not JSON" };
  }
  const v = value as { channel?: unknown; event?: { detail?: unknown } } | undefined;
  if (typeof v?.channel !== "string" || v.channel.length === 0) return { problem: "body has no channel" };
  const detail = v.event?.detail as Partial<IntegrationEventDetail> | undefined;
  if (typeof detail !== "object" || detail === null) return { problem: "body has no event detail" };
  if (typeof detail.eventId !== "string" || !UUID.test(detail.eventId))
    return { problem: "detail has no eventId" };
  if (typeof detail.action !== "string" || typeof detail.request !== "object" || detail.request === null) {
    return { problem: "detail is not a jit-access event" };
  }
  return { channel: v.channel, detail: detail as IntegrationEventDetail };
}
