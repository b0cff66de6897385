import { type EventBridgeClient, PutEventsCommand } from "@aws-sdk/client-eventbridge";
import type { BusEvent } from "../../domain/notifications/integration-event.js";
import type { EventBus } from "../../ports/notifications.js";

/** PutEvents takes at most 10 entries per call (https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEvents.html). */
const MAX_ENTRIES = 10;

/** The jit-access bus on EventBridge. */
export class EventBridgeBus implements EventBus {
  constructor(
    private readonly client: EventBridgeClient,
    private readonly busName: string,
  ) {}

  async put(events: readonly BusEvent[]): Promise<void> {
    for (let i = 0; i < events.length; i += MAX_ENTRIES) {
      const chunk = events.slice(i, i + MAX_ENTRIES);
      const out = await this.client.send(
        new PutEventsCommand({
          Entries: chunk.map((e) => ({
            EventBusName: this.busName,
            Source: e.source,
            DetailType: e.detailType,
            Detail: JSON.stringify(e.detail),
            Time: new Date(e.detail.occurredAt),
          })),
        }),
      );
      if ((out.FailedEntryCount ?? 0) > 0) {
        const failed = (out.Entries ?? [])
          .map((entry, j) =>
            entry.ErrorCode ? `${chunk[j]?.detail.eventId}: ${entry.ErrorCode}` : undefined,
          )
          .filter(Boolean);
        throw new Error(`EventBridge refused ${out.FailedEntryCount} event(s): ${failed.join(", ")}`);
      }
    }
  }
}
