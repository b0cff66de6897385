import { readFileSync } from "node:fs";
import { request } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { DYNAMODB_ENDPOINT_ENV, testDynamoDbEndpoint } from "#test/helpers/dynamodb.js";
import {
  alive,
  descendants,
  type NpmStart,
  npmStart,
  type PrintedEndpoints,
  portIsFree,
  portOf,
  sleep,
} from "./npm-start.js";

/** What the H32 case promises: every process and port of the stack gone within 5 s of the signal. */
const STOP_BOUND_MS = 5_000;
/** Booting the stack (a JVM among others) on a loaded 2-core machine. */
const START_TIMEOUT_MS = 150_000;

const running: NpmStart[] = [];
afterEach(() => {
  for (const run of running.splice(0)) run.kill();
});

/**
 * Starts `npm start` on free ports, in memory. With `ownDynamoDb` it starts its own DynamoDB Local (a JVM,
 * the slowest part); otherwise it uses the run's shared one (`--dynamodb-endpoint`), which it must leave
 * running: the cases that only vary the signal need not pay for a JVM each.
 */
async function startStack(
  ownDynamoDb: boolean,
): Promise<{ run: NpmStart; endpoints: PrintedEndpoints; pids: number[] }> {
  const args = ["--in-memory", "--port-base", "0", "--quiet"];
  if (!ownDynamoDb) args.push("--dynamodb-endpoint", testDynamoDbEndpoint());
  const run = npmStart(args);
  running.push(run);
  const endpoints = await run.ready(START_TIMEOUT_MS);
  const pids = descendants(run.npm.pid as number);
  // npm's shell execs node, which runs DynamoDB Local (java) and the TypeScript loader's esbuild.
  expect(pids.map(commandOf).join("\n")).toMatch(/local\/start\.ts/);
  if (ownDynamoDb) expect(pids.map(commandOf).join("\n")).toMatch(/java/);
  return { run, endpoints, pids };
}

function commandOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ");
  } catch {
    return "";
  }
}

/** The pid of the stack's node process (the child of npm that runs local/start.ts). */
function stackPid(pids: number[]): number {
  const pid = pids.find((p) => commandOf(p).includes("local/start.ts"));
  if (pid === undefined) throw new Error("no local/start.ts process");
  return pid;
}

/**
 * Sends `signal` to `target`, then watches until every process of the stack has ended and every one of
 * its ports can be bound again. @returns the milliseconds that took (or fails after 10 s).
 */
async function stopAndMeasure(
  target: number,
  signal: NodeJS.Signals,
  pids: number[],
  endpoints: PrintedEndpoints,
): Promise<number> {
  const shared = process.env[DYNAMODB_ENDPOINT_ENV];
  const ports = Object.values(endpoints)
    .filter((url) => url !== shared)
    .map(portOf);
  const started = Date.now();
  process.kill(target, signal);
  for (;;) {
    const left = pids.filter(alive);
    const held: number[] = [];
    for (const port of ports) if (!(await portIsFree(port))) held.push(port);
    if (left.length === 0 && held.length === 0) return Date.now() - started;
    if (Date.now() - started > 10_000) {
      throw new Error(
        `after 10 s still running: ${left.map((p) => `${p} ${commandOf(p)}`).join("; ")}; ports held: ${held.join(", ")}`,
      );
    }
    await sleep(50);
  }
}

interface CallResult {
  startedAt: number;
  status?: number;
  retryAfter?: string;
  error?: string;
}

/** One GET on a fresh connection (no keep-alive pool), so each call is its own in-flight request. */
function call(url: string, bearer: string): Promise<CallResult> {
  const startedAt = Date.now();
  return new Promise((resolve) => {
    const req = request(url, { agent: false, headers: { authorization: `Bearer ${bearer}` } }, (res) => {
      res.resume();
      res.once("end", () =>
        resolve({ startedAt, status: res.statusCode, retryAfter: res.headers["retry-after"] as string }),
      );
      res.once("error", (err) =>
        resolve({ startedAt, error: (err as NodeJS.ErrnoException).code ?? err.message }),
      );
    });
    req.once("error", (err) =>
      resolve({ startedAt, error: (err as NodeJS.ErrnoException).code ?? err.message }),
    );
    req.end();
  });
}

describe("H32 stopping npm start", () => {
  it(
    "H32: SIGTERM to npm's pid during a burst of calls: in-flight calls finish or get a clean 503, and every process and port is gone within 5 s",
    async () => {
      const { run, endpoints, pids } = await startStack(true);
      const login = await fetch(`${endpoints.idp}/login`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ username: "alice" }),
      });
      const { id_token: idToken } = (await login.json()) as { id_token: string };
      const url = `${endpoints.jitApi}/requests?mine`;
      expect((await call(url, idToken)).status).toBe(200);

      let signalledAt = Number.POSITIVE_INFINITY;
      const results: CallResult[] = [];
      const loops = Array.from({ length: 4 }, async () => {
        for (;;) {
          const result = await call(url, idToken);
          results.push(result);
          if (result.error !== undefined && result.startedAt > signalledAt) return;
          if (Date.now() - signalledAt > 6_000) return;
        }
      });
      await sleep(1_000);
      signalledAt = Date.now();
      const tookMs = await stopAndMeasure(run.npm.pid as number, "SIGTERM", pids, endpoints);
      await Promise.all(loops);

      expect(tookMs).toBeLessThan(STOP_BOUND_MS);
      expect(results.filter((r) => r.status === 200).length).toBeGreaterThan(0);
      for (const r of results) {
        if (r.status !== undefined) {
          // Answered: a normal answer or the stopping server's 503, never a 502/500.
          expect([200, 503]).toContain(r.status);
          if (r.status === 503) expect(Number(r.retryAfter)).toBeGreaterThan(0);
        } else if (r.startedAt < signalledAt - 50) {
          // A call in flight when the signal came must have been answered.
          throw new Error(`a call started ${signalledAt - r.startedAt} ms before SIGTERM failed: ${r.error}`);
        }
      }
      expect(run.stdout()).toContain("SIGTERM: stopping the local stack");
    },
    START_TIMEOUT_MS + 30_000,
  );

  it(
    "H32: SIGINT to npm's pid (Ctrl-C) stops every process and frees every port within 5 s",
    async () => {
      const { run, endpoints, pids } = await startStack(false);
      const tookMs = await stopAndMeasure(run.npm.pid as number, "SIGINT", pids, endpoints);
      expect(tookMs).toBeLessThan(STOP_BOUND_MS);
      expect(run.stdout()).toContain("SIGINT: stopping the local stack");
      expect(run.stdout()).toContain("stopped.");
    },
    START_TIMEOUT_MS + 30_000,
  );

  it(
    "H32: SIGTERM to the stack's own process (npm's child) stops everything within 5 s",
    async () => {
      const { run, endpoints, pids } = await startStack(false);
      const tookMs = await stopAndMeasure(stackPid(pids), "SIGTERM", pids, endpoints);
      expect(tookMs).toBeLessThan(STOP_BOUND_MS);
      expect(await run.exited).not.toBeUndefined();
    },
    START_TIMEOUT_MS + 30_000,
  );

  it(
    "H32: SIGHUP to npm's pid (npm does not pass it on): the stack sees its parent gone and stops within 5 s",
    async () => {
      const { run, endpoints, pids } = await startStack(false);
      const tookMs = await stopAndMeasure(run.npm.pid as number, "SIGHUP", pids, endpoints);
      expect(tookMs).toBeLessThan(STOP_BOUND_MS);
      expect(run.stdout()).toMatch(/(SIGHUP|parent process \d+ is gone): stopping the local stack/);
    },
    START_TIMEOUT_MS + 30_000,
  );
});
