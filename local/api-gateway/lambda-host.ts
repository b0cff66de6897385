import { randomUUID } from "node:crypto";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import type { HostToWorker, LambdaErrorPayload, WorkerData, WorkerToHost } from "./lambda-protocol.js";

/** A Lambda function's error as the caller of `Invoke` sees it: `name` = `errorType`, `message` = `errorMessage`. */
export class LambdaFunctionError extends Error {
  constructor(
    readonly functionName: string,
    payload: LambdaErrorPayload,
  ) {
    super(payload.errorMessage);
    this.name = payload.errorType;
    this.stack = payload.trace || this.stack;
  }
}

/** Thrown when the handler modules cannot be loaded (missing file, import error, no `handler` export). */
export class LambdaInitError extends Error {
  override name = "LambdaInitError";
}

/** Runs Lambda handlers locally. */
export interface LambdaHost {
  /**
   * Invokes function `name` with `event` (sent as JSON, like Lambda) and resolves with its JSON result.
   * @throws LambdaFunctionError when the handler throws or the worker dies.
   */
  invoke(name: string, event: unknown): Promise<unknown>;
  /** Terminates the worker. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Starts a worker thread that imports the given handler modules (the very files the Lambdas run) and
 * calls their exported `handler`. The worker gets its own `process.env` (`env`) and its own module
 * instances, like a Lambda container: the handlers read their environment once on first invocation, so
 * two local stacks in one process (tests, a restart) must not share those modules.
 * A worker that dies is replaced on the next invocation (a new cold start).
 * @param options.functions function name → absolute path of its handler module.
 * @param options.env the functions' environment (the ENV variables of functions/config/environment.ts).
 * @param options.timeoutMs after this, `context.getRemainingTimeInMillis()` reports 0.
 * @throws LambdaInitError when a module cannot be imported or exports no `handler`.
 */
export async function startLambdaHost(options: {
  functions: Record<string, string>;
  env: Record<string, string>;
  timeoutMs?: number;
}): Promise<LambdaHost> {
  const timeoutMs = options.timeoutMs ?? 29_000;
  const data: WorkerData = {
    functions: Object.fromEntries(
      Object.entries(options.functions).map(([name, path]) => [name, pathToFileURL(path).href]),
    ),
  };
  let current: RunningWorker | undefined = await spawnWorker(data, options.env);
  let stopped = false;

  return {
    async invoke(name, event) {
      if (stopped) throw new LambdaFunctionError(name, exitPayload("the local stack is stopping"));
      if (!current || current.dead) current = await spawnWorker(data, options.env);
      return current.invoke(name, event, Date.now() + timeoutMs);
    },
    async stop() {
      stopped = true;
      const worker = current;
      current = undefined;
      if (worker) await worker.terminate();
    },
  };
}

interface RunningWorker {
  dead: boolean;
  invoke(name: string, event: unknown, deadlineMs: number): Promise<unknown>;
  terminate(): Promise<void>;
}

function exitPayload(reason: string): LambdaErrorPayload {
  return { errorType: "Runtime.ExitError", errorMessage: reason, trace: "" };
}

function spawnWorker(data: WorkerData, env: Record<string, string>): Promise<RunningWorker> {
  const worker = new Worker(new URL("./lambda-worker.mjs", import.meta.url), { workerData: data, env });
  const pending = new Map<
    string,
    { name: string; resolve: (v: unknown) => void; reject: (e: Error) => void }
  >();
  const running: RunningWorker = {
    dead: false,
    invoke(name, event, deadlineMs) {
      const id = randomUUID();
      const message: HostToWorker = {
        type: "invoke",
        id,
        name,
        eventJson: JSON.stringify(event),
        deadlineMs,
      };
      return new Promise((resolve, reject) => {
        pending.set(id, { name, resolve, reject });
        worker.postMessage(message);
      });
    },
    async terminate() {
      running.dead = true;
      await worker.terminate();
    },
  };
  const failAll = (reason: string) => {
    running.dead = true;
    for (const [id, p] of pending) {
      pending.delete(id);
      p.reject(new LambdaFunctionError(p.name, exitPayload(reason)));
    }
  };
  return new Promise((resolve, reject) => {
    let ready = false;
    worker.on("message", (message: WorkerToHost) => {
      if (message.type === "ready") {
        ready = true;
        resolve(running);
      } else if (message.type === "init-error") {
        void worker.terminate();
        reject(new LambdaInitError(`cannot load the Lambda handlers: ${message.error.errorMessage}`));
      } else {
        const p = pending.get(message.id);
        if (!p) return;
        pending.delete(message.id);
        if (message.ok) p.resolve(JSON.parse(message.valueJson) as unknown);
        else p.reject(new LambdaFunctionError(p.name, message.error));
      }
    });
    worker.on("error", (err) => {
      failAll(`the function runtime crashed: ${err.message}`);
      if (!ready) reject(new LambdaInitError(`cannot load the Lambda handlers: ${err.message}`));
    });
    worker.on("exit", (code) => {
      failAll(`the function runtime exited with code ${code}`);
      if (!ready) reject(new LambdaInitError(`the Lambda runtime exited with code ${code} while loading`));
    });
  });
}
