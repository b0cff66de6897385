import { randomUUID } from "node:crypto";
import type { SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";

/** A message that exhausted its receives, as the dead-letter list keeps it. */
export interface DeadLetter {
  messageId: string;
  body: string;
  receiveCount: number;
  deadLetteredAt: string;
}

/** Settings of {@link LocalQueue}. */
export interface LocalQueueOptions {
  /** Queue name; its ARN is `arn:aws:sqs:us-east-1:000000000000:<name>`. */
  name: string;
  /** Receives after which a message moves to the dead-letter list (SQS redrive `maxReceiveCount`). */
  maxReceiveCount: number;
  /** Visibility timeout of a received message, queue seconds. */
  visibilityTimeoutSeconds: number;
  /** The consumer (the delivery Lambda), called with one record per invocation. */
  consumer: (event: SQSEvent) => Promise<unknown>;
  /** Real milliseconds per queue second; default 1000. Tests shrink it to compress retry gaps. */
  secondsMs?: number;
  /** Messages handled at once; default 5. */
  maxInFlight?: number;
  /** Pause between polls, ms; default 50. */
  pollMs?: number;
  /** Told when a message is dead-lettered, or when the consumer fails oddly. */
  onEvent?: (text: string) => void;
}

interface Message {
  messageId: string;
  body: string;
  sentAt: number;
  receiveCount: number;
  visibleAt: number;
  firstReceiveAt?: number;
  /** Receipt handle of the current receive; a stale handle cannot change visibility. */
  receiptHandle?: string;
  inFlight: boolean;
}

/** Region and account of every local ARN. */
export const LOCAL_ACCOUNT = "000000000000";
export const LOCAL_AWS_REGION = "us-east-1";

/**
 * A small in-process SQS queue with an event source mapping in front of its consumer: messages are
 * received once visible, each receive counts, a received message stays invisible for the visibility
 * timeout (or what `ChangeMessageVisibility` set), a message the consumer reports in `batchItemFailures`
 * (or whose invocation throws) comes back when visible again, a successful one is deleted, and one
 * received more than `maxReceiveCount` times moves to the dead-letter list, as an SQS redrive policy does.
 * Source: https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-dead-letter-queues.html
 */
export class LocalQueue {
  readonly arn: string;
  readonly deadLetters: DeadLetter[] = [];
  private readonly messages = new Map<string, Message>();
  private readonly secondsMs: number;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly running = new Set<Promise<void>>();

  constructor(private readonly options: LocalQueueOptions) {
    this.arn = `arn:aws:sqs:${LOCAL_AWS_REGION}:${LOCAL_ACCOUNT}:${options.name}`;
    this.secondsMs = options.secondsMs ?? 1000;
  }

  get name(): string {
    return this.options.name;
  }

  /** Messages waiting or in flight. */
  get depth(): number {
    return this.messages.size;
  }

  /** Enqueues a message (SQS `SendMessage`); returns its id. */
  send(body: string): string {
    const messageId = randomUUID();
    const now = Date.now();
    this.messages.set(messageId, {
      messageId,
      body,
      sentAt: now,
      receiveCount: 0,
      visibleAt: now,
      inFlight: false,
    });
    return messageId;
  }

  /**
   * SQS `ChangeMessageVisibility`: the message becomes visible `seconds` queue seconds from now.
   * @returns false when the receipt handle is not the message's current one.
   */
  changeVisibility(receiptHandle: string, seconds: number): boolean {
    for (const message of this.messages.values()) {
      if (message.receiptHandle === receiptHandle) {
        message.visibleAt = Date.now() + Math.max(0, seconds) * this.secondsMs;
        return true;
      }
    }
    return false;
  }

  /** Starts polling. */
  start(): void {
    if (this.timer || this.stopped) return;
    const tick = () => {
      if (this.stopped) return;
      this.poll();
      this.timer = setTimeout(tick, this.options.pollMs ?? 50);
    };
    this.timer = setTimeout(tick, 0);
  }

  /** Stops polling and waits for the invocations in flight. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await Promise.allSettled([...this.running]);
  }

  private poll(): void {
    const now = Date.now();
    let inFlight = [...this.messages.values()].filter((m) => m.inFlight).length;
    for (const message of this.messages.values()) {
      if (inFlight >= (this.options.maxInFlight ?? 5)) break;
      if (message.inFlight || message.visibleAt > now) continue;
      if (message.receiveCount >= this.options.maxReceiveCount) {
        this.messages.delete(message.messageId);
        this.deadLetters.push({
          messageId: message.messageId,
          body: message.body,
          receiveCount: message.receiveCount,
          deadLetteredAt: new Date(now).toISOString(),
        });
        this.options.onEvent?.(
          `${this.options.name}: message ${message.messageId} moved to the dead-letter queue after ${message.receiveCount} receives`,
        );
        continue;
      }
      inFlight++;
      const run = this.deliver(message, now).finally(() => this.running.delete(run));
      this.running.add(run);
    }
  }

  private async deliver(message: Message, now: number): Promise<void> {
    message.receiveCount++;
    message.firstReceiveAt ??= now;
    message.inFlight = true;
    message.receiptHandle = randomUUID();
    message.visibleAt = now + this.options.visibilityTimeoutSeconds * this.secondsMs;
    const record: SQSRecord = {
      messageId: message.messageId,
      receiptHandle: message.receiptHandle,
      body: message.body,
      attributes: {
        ApproximateReceiveCount: String(message.receiveCount),
        SentTimestamp: String(message.sentAt),
        SenderId: LOCAL_ACCOUNT,
        ApproximateFirstReceiveTimestamp: String(message.firstReceiveAt),
      },
      messageAttributes: {},
      md5OfBody: "",
      eventSource: "aws:sqs",
      eventSourceARN: this.arn,
      awsRegion: LOCAL_AWS_REGION,
    };
    let failed = true;
    try {
      const result = (await this.options.consumer({ Records: [record] })) as SQSBatchResponse | undefined;
      const failures = Array.isArray(result?.batchItemFailures) ? result.batchItemFailures : [];
      failed = failures.some((f) => f?.itemIdentifier === message.messageId);
    } catch (err) {
      this.options.onEvent?.(`${this.options.name}: consumer threw (${(err as Error)?.name ?? "error"})`);
    } finally {
      message.inFlight = false;
    }
    if (!failed) this.messages.delete(message.messageId);
  }
}
