import { randomUUID } from "node:crypto";
import { LOCAL_ACCOUNT, LOCAL_AWS_REGION } from "./local-queue.js";

/** An event as EventBridge delivers it to targets (https://docs.aws.amazon.com/eventbridge/latest/ref/overiew-event-structure.html). */
export interface LocalBusEvent {
  version: "0";
  id: string;
  "detail-type": string;
  source: string;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: Record<string, unknown>;
}

/** A rule: events whose `source` is `source` and whose `detail.channels` lists `channel` go to `target`. */
export interface LocalRule {
  name: string;
  source: string;
  channel: string;
  /** The target; receives the rule's input, `{"channel": ..., "event": <the event>}`. */
  target: (input: string) => void;
}

/** One `PutEvents` entry (the SDK's shape, already parsed from JSON). */
export interface PutEventsEntry {
  Source?: string;
  DetailType?: string;
  Detail?: string;
  EventBusName?: string;
  Time?: number | string;
}

/**
 * A small in-process EventBridge bus with the rules the notifier needs: each channel's rule matches
 * `{"source": ["jit-access"], "detail": {"channels": ["<name>"]}}` (an array field matches when it
 * contains the value, as in EventBridge) and sends its target the input the CDK rule's input transformer
 * builds. Every accepted event is also kept in `events` (what a SIEM subscribed to the bus would see).
 */
export class LocalEventBus {
  readonly events: LocalBusEvent[] = [];
  private readonly rules: LocalRule[] = [];

  constructor(readonly name: string) {}

  addRule(rule: LocalRule): void {
    this.rules.push(rule);
  }

  /** EventBridge `PutEvents`: validates each entry, then routes it; returns per-entry results. */
  putEvents(entries: PutEventsEntry[]): { EventId?: string; ErrorCode?: string; ErrorMessage?: string }[] {
    return entries.map((entry) => {
      if (!entry.Source || !entry.DetailType || !entry.Detail) {
        return { ErrorCode: "MalformedDetail", ErrorMessage: "Source, DetailType and Detail are required" };
      }
      if (entry.EventBusName && entry.EventBusName !== this.name) {
        return {
          ErrorCode: "NotAuthorizedForSourceException",
          ErrorMessage: `unknown bus ${entry.EventBusName}`,
        };
      }
      let detail: unknown;
      try {
        detail = JSON.parse(entry.Detail);
      } catch {
        return { ErrorCode: "MalformedDetail", ErrorMessage: "Detail is not valid JSON" };
      }
      if (typeof detail !== "object" || detail === null || Array.isArray(detail)) {
        return { ErrorCode: "MalformedDetail", ErrorMessage: "Detail must be a JSON object" };
      }
      const time =
        typeof entry.Time === "number"
          ? new Date(entry.Time * 1000)
          : typeof entry.Time === "string"
            ? new Date(entry.Time)
            : new Date();
      const event: LocalBusEvent = {
        version: "0",
        id: randomUUID(),
        "detail-type": entry.DetailType,
        source: entry.Source,
        account: LOCAL_ACCOUNT,
        // EventBridge keeps second precision.
        time: `${(Number.isNaN(time.getTime()) ? new Date() : time).toISOString().slice(0, 19)}Z`,
        region: LOCAL_AWS_REGION,
        resources: [],
        detail: detail as Record<string, unknown>,
      };
      this.events.push(event);
      const channels = (detail as { channels?: unknown }).channels;
      for (const rule of this.rules) {
        if (rule.source === event.source && Array.isArray(channels) && channels.includes(rule.channel)) {
          rule.target(JSON.stringify({ channel: rule.channel, event }));
        }
      }
      return { EventId: event.id };
    });
  }
}
