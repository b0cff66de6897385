/** Messages between the Lambda host (main thread) and its worker thread. Plain data only. */

/** `workerData` of the worker: function name → module URL (`file://…/functions/handlers/x.ts`). */
export interface WorkerData {
  functions: Record<string, string>;
}

/** A Lambda function error as the Lambda runtime reports it (`errorType`, `errorMessage`). */
export interface LambdaErrorPayload {
  errorType: string;
  errorMessage: string;
  trace: string;
}

/** Host → worker. */
export type HostToWorker = {
  type: "invoke";
  /** Invocation id, used as `awsRequestId`. */
  id: string;
  name: string;
  eventJson: string;
  /** Epoch ms after which `getRemainingTimeInMillis()` reports 0. */
  deadlineMs: number;
};

/** Worker → host. */
export type WorkerToHost =
  | { type: "ready" }
  | { type: "init-error"; error: LambdaErrorPayload }
  | { type: "result"; id: string; ok: true; valueJson: string }
  | { type: "result"; id: string; ok: false; error: LambdaErrorPayload };
