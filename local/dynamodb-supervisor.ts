import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { TableNames } from "#functions/adapters/dynamodb/table-definitions.js";
import {
  createTables,
  type DynamoDbLocal,
  describeExit,
  localDynamoDbClient,
  startDynamoDbLocal,
} from "./dynamodb-local.js";

/** Restart schedule after DynamoDB Local dies: waits of 0.5 s, 1 s, 2 s, 4 s, 8 s, then it gives up. */
export const RESTART_BACKOFF = { initialMs: 500, maxMs: 8_000, maxAttempts: 5 } as const;

/** Settings of {@link superviseDynamoDbLocal}. */
export interface DynamoDbSupervisorOptions {
  /** Fixed port; every restart binds the same one, so the endpoint never changes. */
  port: number;
  /** DynamoDB Local's data directory; `undefined` runs it in memory (a restart then starts empty). */
  dataDir: string | undefined;
  /** Tables created at start and after each restart (kept as they are when they exist). */
  tables: TableNames;
  /** More set-up run after the tables at start and after each restart (e.g. other tables). */
  prepare?: (client: DynamoDBClient) => Promise<void>;
  /** One line per event a person should know about: the exit, a failed attempt, the recovery. */
  onEvent: (message: string) => void;
  /** Called once when every restart attempt failed; DynamoDB Local stays down. */
  onGiveUp: (message: string) => void;
  /** Restart schedule; default {@link RESTART_BACKOFF}. */
  backoff?: { initialMs: number; maxMs: number; maxAttempts: number };
  /** Aborting it during the first start stops DynamoDB Local and rejects. */
  signal?: AbortSignal;
}

/** A DynamoDB Local that is restarted when it dies. */
export interface SupervisedDynamoDbLocal {
  /** `http://127.0.0.1:PORT`, the same across restarts. */
  endpoint: string;
  /** The pid of the current process, `undefined` while it is down. */
  readonly pid: number | undefined;
  /** True while a process answers (false from its exit until a restart has created the tables). */
  readonly up: boolean;
  /** How many times it was restarted. */
  readonly restarts: number;
  /** Stops supervising and stops the current process by its pid. Idempotent. */
  stop(options?: { graceMs?: number }): Promise<void>;
}

/**
 * Starts DynamoDB Local with the tables and keeps it running: when the process exits without being asked
 * to, this says so once (naming the pid and how it ended, and, in memory, that its data is gone), then
 * restarts it on the same port and data directory with growing waits ({@link RESTART_BACKOFF}), creates
 * any missing tables, and says when it is back. After the last failed attempt it calls `onGiveUp`.
 * @throws DynamoDbLocalError when the first start fails (Java missing, no answer within 60 s).
 */
export async function superviseDynamoDbLocal(
  options: DynamoDbSupervisorOptions,
): Promise<SupervisedDynamoDbLocal> {
  const backoff = options.backoff ?? RESTART_BACKOFF;
  const boot = async (signal?: AbortSignal): Promise<DynamoDbLocal> => {
    const db = await startDynamoDbLocal({ port: options.port, dataDir: options.dataDir, signal });
    const client = localDynamoDbClient(db.endpoint);
    try {
      await createTables(client, options.tables);
      await options.prepare?.(client);
    } catch (err) {
      await db.stop({ graceMs: 0 });
      throw err;
    } finally {
      client.destroy();
    }
    return db;
  };

  let current: DynamoDbLocal | undefined = await boot(options.signal);
  let stopping = false;
  let restarts = 0;
  let restarting: Promise<void> = Promise.resolve();
  // Stopping interrupts a restart in progress: its back-off wait and a DynamoDB Local still booting.
  const interrupt = new AbortController();
  const wakeUps = new Set<() => void>();

  const wait = (ms: number) =>
    new Promise<void>((resolve) => {
      if (stopping) {
        resolve();
        return;
      }
      const done = () => {
        clearTimeout(timer);
        wakeUps.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      wakeUps.add(done);
    });

  const restart = async (pid: number, how: string): Promise<void> => {
    const downSince = Date.now();
    options.onEvent(
      options.dataDir === undefined
        ? `DynamoDB Local (pid ${pid}) exited (${how}). It ran in memory, so every request, grant and ` +
            "audit event of this run is gone. Restarting it empty; calls that need it fail until it is back."
        : `DynamoDB Local (pid ${pid}) exited (${how}). Restarting it on the same data directory ` +
            `(${options.dataDir}); calls that need it fail until it is back.`,
    );
    let lastError = "";
    for (let attempt = 1; attempt <= backoff.maxAttempts; attempt++) {
      await wait(Math.min(backoff.maxMs, backoff.initialMs * 2 ** (attempt - 1)));
      if (stopping) return;
      try {
        const db = await boot(interrupt.signal);
        if (stopping) {
          await db.stop({ graceMs: 0 });
          return;
        }
        current = db;
        restarts++;
        watch(db);
        const seconds = ((Date.now() - downSince) / 1000).toFixed(1);
        options.onEvent(
          `DynamoDB Local is back (pid ${db.pid}, down ${seconds} s${attempt > 1 ? `, ${attempt} attempts` : ""}).`,
        );
        return;
      } catch (err) {
        if (stopping) return;
        lastError = err instanceof Error ? (err.message.split("\n")[0] ?? "") : String(err);
        if (attempt < backoff.maxAttempts) {
          options.onEvent(`DynamoDB Local restart attempt ${attempt} failed: ${lastError}`);
        }
      }
    }
    options.onGiveUp(
      `DynamoDB Local could not be restarted after ${backoff.maxAttempts} attempts (last: ${lastError}).`,
    );
  };

  const watch = (db: DynamoDbLocal) => {
    void db.exited.then((exit) => {
      if (stopping || current !== db) return;
      current = undefined;
      restarting = restart(db.pid, describeExit(exit));
    });
  };
  watch(current);

  return {
    endpoint: current.endpoint,
    get pid() {
      return current?.pid;
    },
    get up() {
      return current !== undefined;
    },
    get restarts() {
      return restarts;
    },
    async stop(stopOptions) {
      stopping = true;
      interrupt.abort();
      for (const wake of wakeUps) wake();
      const db = current;
      current = undefined;
      await db?.stop(stopOptions);
      await restarting;
    },
  };
}
