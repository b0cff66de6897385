/**
 * `npm start`: runs the local stack (local/stack.ts) until Ctrl-C, and prints its URLs and a three-line
 * walkthrough. Options: `--config FILE`, `--data-dir DIR`, `--in-memory`, `--port-base N`,
 * `--revocation-cache-seconds N`, `--authorizer-cache-seconds N`, `--reminder-interval SECONDS`,
 * `--log-level LEVEL`, `--quiet`, `--dynamodb-endpoint URL`.
 * Exit codes: 0 after a clean stop, 1 when the stack cannot start (one clear message, no stack trace).
 */
// Node 20 is supported locally; the AWS SDK's notice that its 2027 releases need Node 22 reads like an error.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

import { relative, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { Command, CommanderError, InvalidArgumentError } from "commander";
import { isJitError } from "#functions/domain/errors.js";
import { PortInUseError } from "./api-gateway/server.js";
import { killRemainingChildren } from "./child-processes.js";
import {
  DEFAULT_AUTHORIZER_CACHE_SECONDS,
  DEFAULT_CONFIG_FILE,
  DEFAULT_DATA_DIR,
  DEFAULT_PORT_BASE,
  DEFAULT_REVOCATION_CACHE_SECONDS,
  DEFAULT_TABLE_NAMES,
  type LocalStack,
  type LocalStackOptions,
  startLocalStack,
} from "./stack.js";
import { removeLocalStackPointer, writeLocalStackPointer } from "./stack-pointer.js";

/** Parsed command line of `npm start`. */
export interface StartOptions {
  config: string;
  dataDir: string;
  inMemory: boolean;
  portBase: number;
  revocationCacheSeconds: number;
  authorizerCacheSeconds: number;
  logLevel: string;
  quiet: boolean;
  /** Seconds before a pending request is first re-announced (overrides the policy). */
  reminderInterval?: number;
  dynamodbEndpoint?: string;
}

function wholeNumber(min: number, max: number) {
  return (value: string): number => {
    if (!/^\d+$/.test(value)) throw new InvalidArgumentError(`must be a whole number from ${min} to ${max}.`);
    const n = Number(value);
    if (n < min || n > max) throw new InvalidArgumentError(`must be a whole number from ${min} to ${max}.`);
    return n;
  };
}

/**
 * Parses `npm start` arguments (after `--`).
 * @throws CommanderError for an unknown option or an invalid value (the message names it).
 */
export function parseStartArguments(args: readonly string[]): StartOptions {
  const program = new Command("npm start --")
    .exitOverride()
    .configureOutput({ writeErr: () => undefined, writeOut: (text) => process.stdout.write(text) })
    .description(
      "Run jit-access locally: console, JIT API, demo API, dev IdP, KMS-compatible endpoint, DynamoDB Local.",
    )
    .option("--config <file>", "policy file", DEFAULT_CONFIG_FILE)
    .option(
      "--data-dir <dir>",
      "keep state (tables, keys, endpoints.json) in this directory",
      DEFAULT_DATA_DIR,
    )
    .option("--in-memory", "keep nothing between runs (endpoints.json goes to a temporary directory)", false)
    .option(
      "--port-base <n>",
      "first of seven ports: JIT API, demo API, IdP, KMS, DynamoDB Local, console, notifications sink (0 = free ports)",
      wholeNumber(0, 65_529),
      DEFAULT_PORT_BASE,
    )
    .option(
      "--revocation-cache-seconds <n>",
      "JIT authorizer grant cache (part of the revocation bound)",
      wholeNumber(0, 3600),
      DEFAULT_REVOCATION_CACHE_SECONDS,
    )
    .option(
      "--authorizer-cache-seconds <n>",
      "API Gateway authorizer result cache TTL (part of the revocation bound)",
      wholeNumber(0, 3600),
      DEFAULT_AUTHORIZER_CACHE_SECONDS,
    )
    .option("--log-level <level>", "handler log level (DEBUG, INFO, WARN, ERROR)", "WARN")
    .option(
      "--reminder-interval <seconds>",
      "re-announce pending requests after this many seconds (then doubling), instead of the policy's notifications.reminders.firstAfter",
      wholeNumber(1, 86_400),
    )
    .option("--quiet", "do not print one line per API request", false)
    .option(
      "--dynamodb-endpoint <url>",
      "use this running DynamoDB Local (tables created if missing) instead of starting one",
      (value: string) => {
        if (!/^http:\/\/(127\.0\.0\.1|localhost):\d+\/?$/.test(value)) {
          throw new InvalidArgumentError("must be http://127.0.0.1:PORT (a DynamoDB Local on this machine).");
        }
        return value.replace(/\/$/, "");
      },
    )
    .allowExcessArguments(false);
  program.parse([...args], { from: "user" });
  return program.opts<StartOptions>();
}

/** The banner printed once the stack is up: URLs, the revocation bound, and a three-line walkthrough. */
export function startBanner(stack: LocalStack): string {
  const { endpoints: e } = stack;
  const where = stack.inMemory
    ? `in memory (nothing is kept; endpoints file ${stack.endpointsFile})`
    : `${stack.dataDir} (endpoints file ${stack.endpointsFile})`;
  const users = stack.policy.users.map((u) => `${u.username} [${u.groups.join(", ")}]`).join(", ");
  // The jit CLI finds the stack through endpoints.json in ./.data unless told otherwise.
  const jit =
    resolve(stack.dataDir) === resolve(process.cwd(), ".data")
      ? "npx jit"
      : `npx jit --data-dir ${stack.dataDir}`;
  return [
    "jit-access local stack is running.",
    "",
    `  console          ${e.console}   (open it in a browser; sign in as one of the users below)`,
    `  JIT API          ${e.jitApi}`,
    `  demo orders API  ${e.demoApi}   (audience ${stack.demoAudience})`,
    `  dev IdP          ${e.idp}   (POST /login {"username": "alice"})`,
    `  KMS endpoint     ${e.kms}`,
    `  DynamoDB Local   ${e.dynamodb}`,
    `  notifications    ${e.notifications}/messages   (what each channel received)`,
    "",
    `  policy           ${displayPath(stack.configFile)}`,
    `  data             ${where}`,
    `  users            ${users || "(none: add users to the policy file to log in)"}`,
    `  revocation bound ${stack.revocationBoundSeconds} s (grant cache ${stack.revocationCacheSeconds} s + authorizer cache ${stack.authorizerCacheSeconds} s)`,
    "",
    "Try it in another terminal (the README walkthrough has it in full):",
    `  1. ID=$(${jit} --as alice request orders-admin --reason "fix an order" --ticket INC-1 --json | jq -r .requestId)`,
    `  2. ${jit} --as bob approve "$ID"`,
    `  3. TOKEN=$(${jit} --as alice token "$ID"); curl -H "authorization: Bearer $TOKEN" ${e.demoApi}/orders/ord-1001`,
    "",
    "Ctrl-C stops everything.",
  ].join("\n");
}

function displayPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel.startsWith("..") || rel === "" ? path : rel;
}

/** A one-line message for a start failure: our own errors keep their message, others their name too. */
export function startFailureMessage(err: unknown): string {
  if (err instanceof PortInUseError) return err.message;
  if (isJitError(err)) return err.message;
  if (err instanceof Error) return err.message;
  return String(err);
}

/** Signals that stop the stack: Ctrl-C, `kill`, and a closed terminal. */
const STOP_SIGNALS: readonly NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];
/** How long in-flight API calls may take to finish once a stop begins, milliseconds. */
const DRAIN_MS = 2_000;
/**
 * Whatever happens while stopping, the process ends this long after the stop began (every child process
 * killed by its pid first), so all ports are free within 5 s of a signal.
 */
const HARD_STOP_MS = 4_000;
/** How often the process checks that its parent (npm, a shell) is still there, milliseconds. */
const ORPHAN_CHECK_MS = 500;

async function main(): Promise<void> {
  let options: StartOptions;
  try {
    options = parseStartArguments(process.argv.slice(2));
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.exitCode === 0) return;
      process.stderr.write(`${err.message.replace(/^error: /, "error: ")}\n`);
      process.exitCode = 2;
      return;
    }
    throw err;
  }

  // One shutdown path for every way the stack is asked to stop: a signal (to npm's pid, which passes
  // SIGINT and SIGTERM on, or to this process), the parent disappearing (npm killed, or SIGHUP to npm,
  // which it does not pass on), or a part that died for good. It runs at most once.
  const starting = new AbortController();
  let stack: LocalStack | undefined;
  let stopping = false;
  const shutdown = (reason: string, exitCode: number) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`\n${reason}: stopping the local stack…\n`);
    setTimeout(() => {
      process.stderr.write("error: the local stack did not stop in time; killing what is left\n");
      killRemainingChildren();
      process.exit(exitCode === 0 ? 1 : exitCode);
    }, HARD_STOP_MS);
    starting.abort();
    // While starting, main() sees the abort, and startLocalStack stops what already runs.
    if (!stack) return;
    removeLocalStackPointer();
    stack.stop({ drainMs: DRAIN_MS }).then(
      () => {
        process.stdout.write("stopped.\n");
        process.exit(exitCode);
      },
      (err: unknown) => {
        process.stderr.write(`error while stopping: ${startFailureMessage(err)}\n`);
        killRemainingChildren();
        process.exit(1);
      },
    );
  };
  // `on`, not `once`: Ctrl-C reaches this process twice (from the terminal and relayed by npm), and a
  // second signal without a handler would kill it before the stack is stopped.
  for (const signal of STOP_SIGNALS) process.on(signal, () => shutdown(signal, 0));
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) shutdown(`parent process ${parent} is gone`, 0);
  }, ORPHAN_CHECK_MS).unref();

  const stackOptions: LocalStackOptions = {
    configFile: options.config,
    dataDir: options.dataDir,
    inMemory: options.inMemory,
    dynamodb:
      options.dynamodbEndpoint === undefined
        ? undefined
        : { endpoint: options.dynamodbEndpoint, tables: DEFAULT_TABLE_NAMES },
    portBase: options.portBase,
    revocationCacheSeconds: options.revocationCacheSeconds,
    authorizerCacheSeconds: options.authorizerCacheSeconds,
    logLevel: options.logLevel,
    ...(options.reminderInterval === undefined ? {} : { reminderIntervalSeconds: options.reminderInterval }),
    // Scheduler runs the sweeper every minute in AWS; locally every few seconds, so short reminder
    // intervals are honoured promptly.
    sweepIntervalMs: 5_000,
    onNotification: (m) =>
      process.stdout.write(`notify   ${m.kind.padEnd(7)} → ${m.channel}: ${m.summary}\n`),
    signal: starting.signal,
    onRequest: options.quiet
      ? undefined
      : (api, entry) => {
          const who = entry.principalId ? ` ${entry.principalId}` : "";
          const why = entry.gatewayReason ? ` (${entry.gatewayReason})` : "";
          process.stdout.write(
            `${api === "jitApi" ? "jit-api " : "demo-api"} ${entry.method} ${entry.path} → ${entry.statusCode}${who}${why} ${entry.durationMs} ms\n`,
          );
        },
    onError: (message) => process.stderr.write(`stream poller: ${message}\n`),
    onEvent: (message) => process.stderr.write(`${message}\n`),
    onFatal: (message) => {
      process.stderr.write(`error: ${message}\n`);
      shutdown("a part of the stack is down for good", 1);
    },
  };

  try {
    stack = await startLocalStack(stackOptions);
  } catch (err) {
    if (stopping) {
      // Asked to stop while starting: what had started is stopped already.
      process.stdout.write("stopped before the stack was up.\n");
      process.exit(0);
    }
    process.stderr.write(`error: ${startFailureMessage(err)}\n`);
    process.exit(1);
  }
  try {
    writeLocalStackPointer(stack.endpointsFile);
  } catch (err) {
    // Only convenience: `jit` still finds the stack from this directory or with --data-dir.
    process.stderr.write(
      `note: jit will not find this stack from other directories: ${(err as Error).message}\n`,
    );
  }
  process.stdout.write(`${startBanner(stack)}\n`);
}

// Run only as the entry point (`tsx local/start.ts`), so tests can import the parser and banner.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  await main();
}
