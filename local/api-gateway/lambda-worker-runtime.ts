/**
 * The Lambda runtime inside the worker thread (see lambda-host.ts): imports the handler modules, then runs
 * one invocation per message, the way the Lambda Node.js runtime calls an exported `handler(event, context)`.
 * Events and results cross as JSON, as they do in Lambda.
 */
import { parentPort, workerData } from "node:worker_threads";
import type { Context } from "aws-lambda";
import type { HostToWorker, LambdaErrorPayload, WorkerData, WorkerToHost } from "./lambda-protocol.js";

type Handler = (event: unknown, context: Context) => unknown;

const port = parentPort;
if (!port) throw new Error("lambda-worker-runtime must run in a worker thread");
const data = workerData as WorkerData;
const handlers = new Map<string, Handler>();

function post(message: WorkerToHost): void {
  port?.postMessage(message);
}

function toErrorPayload(err: unknown): LambdaErrorPayload {
  if (err instanceof Error) return { errorType: err.name, errorMessage: err.message, trace: err.stack ?? "" };
  return { errorType: "Error", errorMessage: String(err), trace: "" };
}

async function loadHandlers(): Promise<void> {
  for (const [name, url] of Object.entries(data.functions)) {
    const mod = (await import(url)) as { handler?: unknown };
    if (typeof mod.handler !== "function") {
      throw new Error(`${url} does not export a function named "handler" (function ${name})`);
    }
    handlers.set(name, mod.handler as Handler);
  }
}

function lambdaContext(name: string, requestId: string, deadlineMs: number): Context {
  const arn = `arn:aws:lambda:us-east-1:000000000000:function:${name}`;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: name,
    functionVersion: "$LATEST",
    invokedFunctionArn: arn,
    memoryLimitInMB: "256",
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${name}`,
    logStreamName: `local/${name}`,
    getRemainingTimeInMillis: () => Math.max(0, deadlineMs - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

async function invoke(message: Extract<HostToWorker, { type: "invoke" }>): Promise<void> {
  const handler = handlers.get(message.name);
  if (!handler) {
    post({
      type: "result",
      id: message.id,
      ok: false,
      error: { errorType: "Runtime.HandlerNotFound", errorMessage: `no function ${message.name}`, trace: "" },
    });
    return;
  }
  try {
    const event = JSON.parse(message.eventJson) as unknown;
    const value = await handler(event, lambdaContext(message.name, message.id, message.deadlineMs));
    post({ type: "result", id: message.id, ok: true, valueJson: JSON.stringify(value ?? null) });
  } catch (err) {
    post({ type: "result", id: message.id, ok: false, error: toErrorPayload(err) });
  }
}

try {
  await loadHandlers();
  port.on("message", (message: HostToWorker) => {
    if (message.type === "invoke") void invoke(message);
  });
  post({ type: "ready" });
} catch (err) {
  post({ type: "init-error", error: toErrorPayload(err) });
}
