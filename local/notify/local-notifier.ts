import { randomBytes } from "node:crypto";
import { ENV } from "#functions/config/environment.js";
import { EVENT_SOURCE } from "#functions/domain/notifications/integration-event.js";
import type { Policy } from "#functions/domain/policy.js";
import { type StreamPoller, startStreamPoller } from "../stream-poller.js";
import { type AwsStandIns, startAwsStandIns } from "./aws-stand-ins.js";
import { LocalEventBus } from "./local-event-bus.js";
import { LOCAL_ACCOUNT, LOCAL_AWS_REGION, LocalQueue } from "./local-queue.js";
import { type NotificationsSink, type SinkMessage, startNotificationsSink } from "./notifications-sink.js";
import { readSecretsFile, secretsFilePath, writeSecretsFile } from "./secrets-file.js";

/** Name of the local bus (and of the deployed one's `EventBusName` default). */
export const LOCAL_EVENT_BUS_NAME = "jit-access";
/** Marks secrets the local stack writes and may rewrite (its sink's URLs change with the port). */
const MANAGED = "jit-access local stack";
/** Receives of a queued delivery before it is dead-lettered (the CDK queues use the same). */
export const LOCAL_MAX_RECEIVE_COUNT = 8;

/** The delivery handler of each channel type. */
export const DELIVERY_HANDLERS = {
  slack: "notify-slack",
  webhook: "notify-webhook",
  email: "notify-email",
} as const;

/** Settings of {@link prepareLocalNotifier}. */
export interface LocalNotifierOptions {
  policy: Policy;
  /** Where `secrets.json` (the Secrets Manager stand-in) lives. */
  dataDir: string;
  /** Port of the notifications sink (0 = free). */
  sinkPort: number;
  /** Notifications table name. */
  notificationsTable: string;
  /** Base URL of the web console, for request links; undefined leaves links out. */
  consoleUrl: string | undefined;
  /** Real milliseconds per queue second (retry gaps); default 1000. */
  queueSecondsMs?: number;
  /** Retry base of the delivery Lambdas, seconds; default 1. */
  retryBaseSeconds?: number;
  /** Per-call delivery timeout, ms; default 5000. */
  deliveryTimeoutMs?: number;
  /** Receives before a message is dead-lettered; default {@link LOCAL_MAX_RECEIVE_COUNT}. */
  maxReceiveCount?: number;
  /** Told about every notification the sink accepted. */
  onMessage?: (message: SinkMessage) => void;
  /** Told about dead-lettered messages and stand-in errors. */
  onEvent?: (text: string) => void;
}

/** What runs the notifier's handlers. */
export interface NotifierRuntime {
  /** Invokes a handler (the local Lambda host, or the handlers in-process in tests). */
  invoke: (handler: string, event: unknown) => Promise<unknown>;
  /** DynamoDB (Local) endpoint and the Audit table, whose stream feeds the publisher. */
  dynamodbEndpoint: string;
  auditTable: string;
  /** Reminder sweep interval, ms (EventBridge Scheduler runs it every minute); default 60 000. */
  sweepIntervalMs?: number;
  /** Stream poll interval, ms; default 250. */
  streamPollMs?: number;
}

/** A prepared notifier: servers up, queues built, nothing consuming yet. */
export interface LocalNotifier {
  sink: NotificationsSink;
  standIns: AwsStandIns;
  bus: LocalEventBus;
  /** Queues by channel name. */
  queues: ReadonlyMap<string, LocalQueue>;
  /** The environment the publisher, delivery and sweeper handlers need (ENV names). */
  env: Record<string, string>;
  /** Starts the Audit stream poller, the queue consumers and the sweeper's timer. */
  start(runtime: NotifierRuntime): Promise<void>;
  /** Runs one sweep now (what the scheduler does each interval). */
  sweep(): Promise<unknown>;
  /** Stops everything. Idempotent. */
  stop(): Promise<void>;
}

/**
 * The local stand-ins of docs/events.md around the production notifier handlers: the notifications sink,
 * one endpoint speaking EventBridge/SQS/Secrets Manager/SNS for the SDK clients, an in-process bus with
 * one rule per channel, one queue per channel (retries, dead-letter list), the Scheduler's timer, and
 * `secrets.json` in the data directory as Secrets Manager. Channel secrets missing from that file are
 * created there, pointing at the sink (webhook channels get a fresh signing secret).
 */
export async function prepareLocalNotifier(options: LocalNotifierOptions): Promise<LocalNotifier> {
  const channels = options.policy.notifications.channels;
  const secretsPath = secretsFilePath(options.dataDir);
  const readSecrets = () => {
    try {
      return readSecretsFile(secretsPath);
    } catch (err) {
      options.onEvent?.(`secrets file unreadable: ${(err as Error).message}`);
      return {};
    }
  };
  const webhookSecrets = (channel: string): string[] => {
    const config = channels[channel];
    if (config?.type !== "webhook") return [];
    const value = readSecrets()[config.secret];
    if (!value) return [];
    if (value.startsWith("whsec_")) return [value];
    try {
      const parsed = JSON.parse(value) as { signingSecrets?: unknown };
      return Array.isArray(parsed.signingSecrets)
        ? parsed.signingSecrets.filter((s) => typeof s === "string")
        : [];
    } catch {
      return [];
    }
  };

  const stoppers: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const stop of stoppers.splice(0).reverse()) await stop().catch(() => undefined);
  };
  try {
    const sink = await startNotificationsSink({
      port: options.sinkPort,
      webhookSecrets,
      ...(options.onMessage ? { onMessage: options.onMessage } : {}),
    });
    stoppers.push(() => sink.stop());
    seedSecrets(secretsPath, readSecrets(), channels, sink.url);

    const bus = new LocalEventBus(LOCAL_EVENT_BUS_NAME);
    const queues = new Map<string, LocalQueue>();
    const topics = new Map<string, (m: { subject: string | undefined; message: string }) => void>();
    const emailTopics: Record<string, string> = {};
    let runtime: NotifierRuntime | undefined;
    for (const [name, config] of Object.entries(channels)) {
      const handlerName = DELIVERY_HANDLERS[config.type];
      const queue = new LocalQueue({
        name: `jit-access-notify-${name}`,
        maxReceiveCount: options.maxReceiveCount ?? LOCAL_MAX_RECEIVE_COUNT,
        visibilityTimeoutSeconds: 60,
        secondsMs: options.queueSecondsMs ?? 1000,
        consumer: (event) => {
          if (!runtime) return Promise.reject(new Error("the notifier is not started"));
          return runtime.invoke(handlerName, event);
        },
        ...(options.onEvent ? { onEvent: options.onEvent } : {}),
      });
      queues.set(name, queue);
      bus.addRule({
        name: `channel-${name}`,
        source: EVENT_SOURCE,
        channel: name,
        target: (input) => queue.send(input),
      });
      if (config.type === "email") {
        const arn = `arn:aws:sns:${LOCAL_AWS_REGION}:${LOCAL_ACCOUNT}:jit-access-${name}`;
        emailTopics[name] = arn;
        topics.set(arn, (m) => sink.recordEmail(name, m.subject, m.message));
      }
    }
    const queuesByName = new Map([...queues.values()].map((q) => [q.name, q]));
    const standIns = await startAwsStandIns({ bus, queues: queuesByName, secrets: readSecrets, topics });
    stoppers.push(() => standIns.stop());

    const env: Record<string, string> = {
      [ENV.eventBusName]: LOCAL_EVENT_BUS_NAME,
      [ENV.notificationsTable]: options.notificationsTable,
      [ENV.emailTopics]: JSON.stringify(emailTopics),
      [ENV.deliveryTimeoutMs]: String(options.deliveryTimeoutMs ?? 5000),
      [ENV.retryBaseSeconds]: String(options.retryBaseSeconds ?? 1),
      [ENV.retryMaxSeconds]: "60",
      [ENV.eventBridgeEndpoint]: standIns.url,
      [ENV.sqsEndpoint]: standIns.url,
      [ENV.secretsManagerEndpoint]: standIns.url,
      [ENV.snsEndpoint]: standIns.url,
      ...(options.consoleUrl ? { [ENV.consoleUrl]: options.consoleUrl } : {}),
    };

    let poller: StreamPoller | undefined;
    let timer: NodeJS.Timeout | undefined;
    let sweeping: Promise<unknown> = Promise.resolve();
    let stopped = false;
    const sweep = () => {
      if (!runtime) return Promise.reject(new Error("the notifier is not started"));
      const r = runtime;
      sweeping = sweeping.then(() =>
        r.invoke("reminder-sweeper", {
          source: "aws.scheduler",
          "detail-type": "Scheduled Event",
          detail: {},
        }),
      );
      return sweeping;
    };

    return {
      sink,
      standIns,
      bus,
      queues,
      env,
      sweep,
      async start(r) {
        runtime = r;
        poller = await startStreamPoller({
          endpoint: r.dynamodbEndpoint,
          tableName: r.auditTable,
          handler: (event) => r.invoke("notify-publisher", event),
          intervalMs: r.streamPollMs ?? 250,
          startingPosition: "LATEST",
          ...(options.onEvent ? { onError: options.onEvent } : {}),
        });
        stoppers.push(() => poller?.stop() ?? Promise.resolve());
        for (const queue of queues.values()) {
          queue.start();
          stoppers.push(() => queue.stop());
        }
        const interval = r.sweepIntervalMs ?? 60_000;
        const tick = () => {
          if (stopped) return;
          sweep()
            .catch((err: unknown) =>
              options.onEvent?.(`reminder sweep failed: ${(err as Error)?.message ?? String(err)}`),
            )
            .finally(() => {
              if (!stopped) timer = setTimeout(tick, interval);
            });
        };
        timer = setTimeout(tick, interval);
        stoppers.push(async () => {
          stopped = true;
          if (timer) clearTimeout(timer);
          await sweeping.catch(() => undefined);
        });
      },
      async stop() {
        stopped = true;
        await stopAll();
      },
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

/** Creates missing channel secrets, and re-points the ones it created before at the sink's current URL. */
function seedSecrets(
  path: string,
  current: Record<string, string>,
  channels: Policy["notifications"]["channels"],
  sinkUrl: string,
): void {
  const next = { ...current };
  for (const [name, config] of Object.entries(channels)) {
    if (config.type === "email") continue;
    const existing = parseObject(current[config.secret]);
    if (current[config.secret] !== undefined && existing?.managedBy !== MANAGED) continue;
    if (config.type === "slack") {
      next[config.secret] = JSON.stringify({ managedBy: MANAGED, webhookUrl: `${sinkUrl}/slack/${name}` });
    } else {
      const signingSecrets =
        Array.isArray(existing?.signingSecrets) && existing.signingSecrets.length > 0
          ? existing.signingSecrets
          : [`whsec_${randomBytes(32).toString("base64")}`];
      next[config.secret] = JSON.stringify({
        managedBy: MANAGED,
        url: `${sinkUrl}/webhooks/${name}`,
        signingSecrets,
      });
    }
  }
  if (JSON.stringify(next) !== JSON.stringify(current)) writeSecretsFile(path, next);
}

function parseObject(text: string | undefined): Record<string, unknown> | undefined {
  if (text === undefined) return undefined;
  try {
    const v = JSON.parse(text) as unknown;
    return typeof v === "object" && v !== null ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
