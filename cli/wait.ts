import { type AccessRequestView, FINAL_STATUSES } from "./api-types.js";
import { ApiError, UnreachableError } from "./errors.js";
import type { JitApiClient } from "./http-client.js";

/** Polling schedule of `--wait`: first poll after 1 s, then ×1.5 per poll, never more than 10 s apart. */
export const WAIT_POLL = { initialMs: 1_000, factor: 1.5, maxMs: 10_000 } as const;

/** How `--wait` ended. */
export type WaitOutcome =
  | { kind: "decided"; request: AccessRequestView }
  | { kind: "timeout"; request: AccessRequestView };

/**
 * Polls `GET /requests/{id}` until the request is APPROVED or final (DENIED, CANCELLED, REVOKED, EXPIRED),
 * or until `timeoutMs` has passed. The interval grows from 1 s to at most 10 s ({@link WAIT_POLL}).
 * Unreachable-server and 5xx errors are retried until the timeout (a long wait survives a restart of
 * the API); 4xx errors end the wait at once.
 * @param first the request as last seen (its status decides whether to poll at all).
 * @param onPoll called after every poll with the latest request (spinner text).
 * @throws ApiError for a 4xx answer; the last UnreachableError/5xx ApiError if the timeout passes while
 *   the server is failing.
 */
export async function waitForDecision(
  client: JitApiClient,
  first: AccessRequestView,
  timeoutMs: number,
  onPoll: (request: AccessRequestView) => void = () => {},
): Promise<WaitOutcome> {
  const deadline = Date.now() + timeoutMs;
  let request = first;
  let interval: number = WAIT_POLL.initialMs;
  let lastFailure: unknown;
  while (!isDecided(request)) {
    const remaining = deadline - Date.now();
    if (remaining <= 0) {
      if (lastFailure) throw lastFailure;
      return { kind: "timeout", request };
    }
    await sleep(Math.min(interval, remaining));
    interval = Math.min(WAIT_POLL.maxMs, Math.round(interval * WAIT_POLL.factor));
    try {
      request = await client.getRequest(request.requestId);
      lastFailure = undefined;
      onPoll(request);
    } catch (err) {
      const transient = err instanceof UnreachableError || (err instanceof ApiError && err.status >= 500);
      if (!transient) throw err;
      lastFailure = err;
    }
  }
  return { kind: "decided", request };
}

/** True once the request needs no more waiting: APPROVED, or a status it can never leave. */
export function isDecided(request: AccessRequestView): boolean {
  return request.status === "APPROVED" || FINAL_STATUSES.has(request.status);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
