import { DescribeTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import {
  type _Record,
  type AttributeValue,
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type Shard,
  type ShardIteratorType,
} from "@aws-sdk/client-dynamodb-streams";
import type { DynamoDBRecord, DynamoDBStreamEvent, AttributeValue as LambdaAttributeValue } from "aws-lambda";
import { LOCAL_CREDENTIALS, LOCAL_REGION } from "./dynamodb-local.js";

/** Settings of {@link startStreamPoller}. Give exactly one of `onRecords` and `handler`. */
export interface StreamPollerOptions {
  /** DynamoDB Local endpoint, e.g. `http://127.0.0.1:8000` (it serves the Streams API too). */
  endpoint: string;
  /** Table whose stream is read; it must have a stream enabled. */
  tableName: string;
  /**
   * Receives each non-empty batch in the Lambda `DynamoDBStreamEvent` record shape. Its result is read as
   * Lambda reads a handler's: a thrown error retries the whole batch; `{ batchItemFailures: [{
   * itemIdentifier }] }` retries from the lowest failed sequence number; anything else is success.
   */
  onRecords?: (records: DynamoDBRecord[]) => unknown;
  /** Same as `onRecords`, but receives the whole event `{ Records }`, as a Lambda handler does. */
  handler?: (event: DynamoDBStreamEvent) => unknown;
  /** Pause between polls, milliseconds. Default 500. */
  intervalMs?: number;
  /** Where to start in shards open at start: `TRIM_HORIZON` (default: everything kept) or `LATEST`. */
  startingPosition?: "TRIM_HORIZON" | "LATEST";
  /** Records per GetRecords call (1..1000). Default 100, Lambda's default batch size. */
  batchSize?: number;
  /** Retries of a failing batch before it is dropped (reported through `onError`). Default 3. */
  maxRetryAttempts?: number;
  /**
   * Told about dropped batches and stream read errors; the poller keeps running. A lost connection to
   * DynamoDB (Local) is told once when it is lost and once when polling resumes, never per poll.
   */
  onError?: (message: string) => void;
}

/** A running poller. */
export interface StreamPoller {
  /** Stops polling, waits for an in-flight poll and delivery to finish, and closes the clients. Idempotent. */
  stop(): Promise<void>;
}

interface ShardState {
  shardId: string;
  parentShardId: string | undefined;
  iterator: string | undefined;
  /** Last sequence number delivered successfully (or dropped), to resume after an iterator error. */
  lastSequenceNumber: string | undefined;
  failedAttempts: number;
  /** No more records: the shard is closed and fully read. */
  done: boolean;
  /** Where reading started, to start there again when nothing was delivered before a reconnect. */
  startType: ShardIteratorType;
}

const MAX_DESCRIBE_PAGES = 100;
/** Shards are rediscovered every this many polls (DynamoDB rolls shards over every few hours). */
const REDISCOVER_EVERY_POLLS = 20;

/**
 * Reads a DynamoDB (Local) table's stream the way a Lambda event source mapping does and hands each batch
 * to `onRecords`/`handler` in the Lambda record shape (`eventSourceARN`, `dynamodb.Keys/OldImage/NewImage/
 * SequenceNumber/ApproximateCreationDateTime` in epoch seconds, `userIdentity` when present), so the local
 * stack and tests invoke a stream handler exactly as Lambda would. Partial batch failures
 * (`batchItemFailures`) are honoured: the batch is retried from the failed record, at most
 * `maxRetryAttempts` times. Shards are polled one GetRecords per shard per interval, parents before children.
 * Source: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Streams.html and
 * https://docs.aws.amazon.com/lambda/latest/dg/with-ddb.html
 * @throws when the table does not exist or has no stream (before anything runs).
 */
export async function startStreamPoller(options: StreamPollerOptions): Promise<StreamPoller> {
  const deliver = deliveryFunction(options);
  const intervalMs = options.intervalMs ?? 500;
  const batchSize = Math.min(Math.max(options.batchSize ?? 100, 1), 1000);
  const maxRetryAttempts = options.maxRetryAttempts ?? 3;
  const startingPosition: ShardIteratorType = options.startingPosition ?? "TRIM_HORIZON";
  const report = (message: string) => options.onError?.(message);
  const clientConfig = { endpoint: options.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS };
  const streams = new DynamoDBStreamsClient({ ...clientConfig, maxAttempts: 2 });

  let streamArn: string;
  try {
    streamArn = await describeStreamArn(options.endpoint, options.tableName);
  } catch (err) {
    streams.destroy();
    throw err;
  }

  // Every shard seen, including fully read ones, so a rediscovery never reads a shard twice.
  const shards = new Map<string, ShardState>();
  const iteratorFor = async (shardId: string, type: ShardIteratorType, sequenceNumber?: string) => {
    const out = await streams.send(
      new GetShardIteratorCommand({
        StreamArn: streamArn,
        ShardId: shardId,
        ShardIteratorType: type,
        ...(sequenceNumber === undefined ? {} : { SequenceNumber: sequenceNumber }),
      }),
    );
    return out.ShardIterator;
  };

  const discoverShards = async (initial: boolean): Promise<void> => {
    const found: Shard[] = [];
    let start: string | undefined;
    for (let page = 0; page < MAX_DESCRIBE_PAGES; page++) {
      const out = await streams.send(
        new DescribeStreamCommand({ StreamArn: streamArn, ExclusiveStartShardId: start }),
      );
      found.push(...(out.StreamDescription?.Shards ?? []));
      start = out.StreamDescription?.LastEvaluatedShardId;
      if (!start) break;
    }
    for (const shard of found) {
      if (!shard.ShardId || shards.has(shard.ShardId)) continue;
      const closed = shard.SequenceNumberRange?.EndingSequenceNumber !== undefined;
      // At start, LATEST skips what is already in the stream (closed shards entirely); a shard that
      // appears later is new data and is read from its beginning, as Lambda does.
      const skip = initial && startingPosition === "LATEST" && closed;
      const type: ShardIteratorType = initial ? startingPosition : "TRIM_HORIZON";
      shards.set(shard.ShardId, {
        shardId: shard.ShardId,
        parentShardId: shard.ParentShardId,
        iterator: skip ? undefined : await iteratorFor(shard.ShardId, type),
        lastSequenceNumber: undefined,
        failedAttempts: 0,
        done: skip,
        startType: type,
      });
    }
  };

  let shardEnded = false;
  const pollShard = async (shard: ShardState): Promise<void> => {
    if (!shard.iterator) {
      // A closed shard read to its end: its children (found by the next discovery) come next.
      shard.done = true;
      shardEnded = true;
      return;
    }
    let records: _Record[];
    try {
      const out = await streams.send(
        new GetRecordsCommand({ ShardIterator: shard.iterator, Limit: batchSize }),
      );
      records = out.Records ?? [];
      shard.iterator = out.NextShardIterator;
    } catch (err) {
      // No connection: the whole poll fails, and the shards are resumed once DynamoDB answers again.
      if (isConnectionError(err)) throw err;
      // Expired (15 min) or trimmed iterators: resume after the last delivered record.
      report(`stream read of shard ${shard.shardId} failed (${(err as Error).name}); resuming`);
      shard.iterator = shard.lastSequenceNumber
        ? await iteratorFor(shard.shardId, "AFTER_SEQUENCE_NUMBER", shard.lastSequenceNumber)
        : await iteratorFor(shard.shardId, "TRIM_HORIZON");
      return;
    }
    if (records.length === 0) return;
    const batch = records.map((r) => toLambdaRecord(r, streamArn));
    const failedSequenceNumber = await deliver(batch);
    if (failedSequenceNumber === undefined) {
      shard.failedAttempts = 0;
      shard.lastSequenceNumber = batch.at(-1)?.dynamodb?.SequenceNumber ?? shard.lastSequenceNumber;
      return;
    }
    shard.failedAttempts++;
    if (shard.failedAttempts > maxRetryAttempts) {
      report(
        `dropping stream records of shard ${shard.shardId} from ${failedSequenceNumber} after ` +
          `${maxRetryAttempts} retries`,
      );
      shard.failedAttempts = 0;
      shard.lastSequenceNumber = batch.at(-1)?.dynamodb?.SequenceNumber ?? shard.lastSequenceNumber;
      return;
    }
    shard.iterator = await iteratorFor(shard.shardId, "AT_SEQUENCE_NUMBER", failedSequenceNumber);
  };

  // Set when a poll failed for want of a connection; cleared by the first poll that reconnects.
  let disconnectedAtMs: number | undefined;
  /**
   * After a lost connection: the table may be new (an in-memory DynamoDB Local restarted empty), so its
   * stream is looked up again; a new stream is read from its start, and the shards of the same stream
   * get fresh iterators after the last delivered record (old iterators may not survive a restart).
   */
  const reconnect = async (): Promise<void> => {
    const arn = await describeStreamArn(options.endpoint, options.tableName);
    if (arn !== streamArn) {
      streamArn = arn;
      shards.clear();
      await discoverShards(false);
      return;
    }
    for (const shard of shards.values()) {
      if (shard.done) continue;
      shard.failedAttempts = 0;
      shard.iterator = shard.lastSequenceNumber
        ? await iteratorFor(shard.shardId, "AFTER_SEQUENCE_NUMBER", shard.lastSequenceNumber)
        : await iteratorFor(shard.shardId, shard.startType);
    }
  };

  let polls = 0;
  const pollOnce = async (): Promise<void> => {
    if (disconnectedAtMs !== undefined) {
      await reconnect();
      const seconds = ((Date.now() - disconnectedAtMs) / 1000).toFixed(1);
      disconnectedAtMs = undefined;
      report(
        `connection to DynamoDB at ${options.endpoint} is back after ${seconds} s; stream polling resumed`,
      );
    }
    polls++;
    if (polls % REDISCOVER_EVERY_POLLS === 0 || shardEnded) {
      shardEnded = false;
      await discoverShards(false);
    }
    for (const shard of shards.values()) {
      if (stopped) return;
      if (shard.done) continue;
      const parent = shard.parentShardId ? shards.get(shard.parentShardId) : undefined;
      if (parent && !parent.done) continue;
      await pollShard(shard);
    }
  };

  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<void> = Promise.resolve();
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      inFlight = pollOnce()
        .catch((err: unknown) => {
          if (isConnectionError(err) || disconnectedAtMs !== undefined) {
            if (disconnectedAtMs === undefined) {
              disconnectedAtMs = Date.now();
              report(
                `lost the connection to DynamoDB at ${options.endpoint} (${errorLabel(err)}); ` +
                  "stream polling resumes when it answers again",
              );
            }
            return;
          }
          report(`stream poll failed: ${(err as Error)?.message ?? String(err)}`);
        })
        .finally(schedule);
    }, intervalMs);
  };

  try {
    await discoverShards(true);
  } catch (err) {
    streams.destroy();
    throw err;
  }
  schedule();

  return {
    async stop() {
      if (stopped) return;
      stopped = true;
      if (timer) clearTimeout(timer);
      // A poll waiting on an unresponsive DynamoDB must not hold up a shutdown: wait for it at most 1 s.
      let bound: NodeJS.Timeout | undefined;
      await Promise.race([inFlight, new Promise<void>((resolve) => (bound = setTimeout(resolve, 1_000)))]);
      clearTimeout(bound);
      streams.destroy();
    },
  };
}

/**
 * The stream ARN of `tableName`.
 * @throws when the table does not exist or has no stream enabled, or DynamoDB cannot be reached.
 */
async function describeStreamArn(endpoint: string, tableName: string): Promise<string> {
  const dynamodb = new DynamoDBClient({
    endpoint,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
    maxAttempts: 2,
  });
  try {
    const table = await dynamodb.send(new DescribeTableCommand({ TableName: tableName }));
    const arn = table.Table?.LatestStreamArn;
    if (!arn || table.Table?.StreamSpecification?.StreamEnabled === false) {
      throw new Error(`table ${tableName} has no stream enabled`);
    }
    return arn;
  } finally {
    dynamodb.destroy();
  }
}

/** Node and SDK error codes and names of a request that got no answer. */
const CONNECTION_ERRORS = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "TimeoutError",
  "RequestTimeout",
]);

/**
 * True when `err` says DynamoDB could not be reached (refused, reset, timed out), as opposed to an answer
 * that refused the call.
 */
export function isConnectionError(err: unknown): boolean {
  const e = err as { code?: unknown; name?: unknown; message?: unknown } | null;
  if (typeof e !== "object" || e === null) return false;
  if (typeof e.code === "string" && CONNECTION_ERRORS.has(e.code)) return true;
  if (typeof e.name === "string" && CONNECTION_ERRORS.has(e.name)) return true;
  return typeof e.message === "string" && /socket hang up|ECONNREFUSED|ECONNRESET/.test(e.message);
}

function errorLabel(err: unknown): string {
  const e = err as { code?: unknown; name?: unknown } | null;
  if (typeof e?.code === "string") return e.code;
  if (typeof e?.name === "string") return e.name;
  return "error";
}

/** Calls the consumer; returns the sequence number to retry from, or undefined on success. */
function deliveryFunction(options: StreamPollerOptions) {
  const call =
    options.onRecords ??
    (options.handler ? (records: DynamoDBRecord[]) => options.handler?.({ Records: records }) : undefined);
  if (!call || (options.onRecords && options.handler)) {
    throw new Error("startStreamPoller needs exactly one of onRecords and handler");
  }
  return async (records: DynamoDBRecord[]): Promise<string | undefined> => {
    let result: unknown;
    try {
      result = await call(records);
    } catch (err) {
      options.onError?.(`stream consumer threw (${(err as Error)?.name ?? "error"}); retrying the batch`);
      return records[0]?.dynamodb?.SequenceNumber;
    }
    const failures = (result as { batchItemFailures?: unknown } | undefined)?.batchItemFailures;
    if (!Array.isArray(failures) || failures.length === 0) return undefined;
    const ids = failures
      .map((f) => (f as { itemIdentifier?: unknown })?.itemIdentifier)
      .filter((id): id is string => typeof id === "string" && /^\d+$/.test(id));
    // Lambda: an unreadable failure entry fails the whole batch.
    if (ids.length !== failures.length) return records[0]?.dynamodb?.SequenceNumber;
    return ids.reduce((lowest, id) => (BigInt(id) < BigInt(lowest) ? id : lowest));
  };
}

/**
 * One GetRecords record in the shape Lambda delivers it (`DynamoDBStreamEvent.Records[n]`): times in epoch
 * seconds, binary attribute values base64-encoded, `userIdentity` only when the record has one.
 */
export function toLambdaRecord(record: _Record, streamArn: string): DynamoDBRecord {
  const stream = record.dynamodb ?? {};
  const image = (value: Record<string, AttributeValue> | undefined) =>
    value === undefined ? undefined : mapValues(value, toLambdaAttributeValue);
  const dynamodb: NonNullable<DynamoDBRecord["dynamodb"]> = {
    ApproximateCreationDateTime:
      stream.ApproximateCreationDateTime === undefined
        ? undefined
        : Math.floor(stream.ApproximateCreationDateTime.getTime() / 1000),
    Keys: image(stream.Keys),
    NewImage: image(stream.NewImage),
    OldImage: image(stream.OldImage),
    SequenceNumber: stream.SequenceNumber,
    SizeBytes: stream.SizeBytes,
    StreamViewType: stream.StreamViewType,
  };
  for (const [k, v] of Object.entries(dynamodb))
    if (v === undefined) delete (dynamodb as Record<string, unknown>)[k];
  const out: DynamoDBRecord = {
    eventID: record.eventID,
    // Kept as received: DynamoDB Local and replicas may send names the SDK's types do not list.
    eventName: record.eventName as DynamoDBRecord["eventName"],
    eventVersion: record.eventVersion,
    eventSource: record.eventSource,
    awsRegion: record.awsRegion,
    dynamodb,
    eventSourceARN: streamArn,
  };
  if (record.userIdentity) {
    out.userIdentity = { type: record.userIdentity.Type, principalId: record.userIdentity.PrincipalId };
  }
  return out;
}

function toLambdaAttributeValue(value: AttributeValue): LambdaAttributeValue {
  if (value.B !== undefined) return { B: Buffer.from(value.B).toString("base64") };
  if (value.BS !== undefined) return { BS: value.BS.map((b) => Buffer.from(b).toString("base64")) };
  if (value.M !== undefined) return { M: mapValues(value.M, toLambdaAttributeValue) };
  if (value.L !== undefined) return { L: value.L.map(toLambdaAttributeValue) };
  return value as LambdaAttributeValue;
}

function mapValues<A, B>(record: Record<string, A>, f: (a: A) => B): Record<string, B> {
  return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, f(v)]));
}
