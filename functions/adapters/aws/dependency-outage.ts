import { isServerError, isThrottlingError, isTransientError } from "@smithy/core/retry";
import { DependencyUnavailableError } from "../../domain/errors.js";

/** Retry-After, seconds, when a dependency throttles (its capacity comes back within a second or two). */
export const THROTTLED_RETRY_AFTER_SECONDS = 2;
/** Retry-After, seconds, when a dependency is unreachable or failing (a restart, a failover). */
export const UNAVAILABLE_RETRY_AFTER_SECONDS = 5;

/**
 * Timeouts of the Lambdas' SDK clients in AWS, milliseconds. With the SDK's 3 attempts and its backoff a
 * hung dependency answers within about 7 s, inside the 10 s Lambda timeout, so the caller gets our 503
 * instead of API Gateway's 502/504 for a timed-out function. (The SDK's Node handler has no request
 * timeout by default, and without `throwOnRequestTimeout` it only warns.) Clients of a local endpoint
 * (DynamoDB Local, the KMS-compatible server) keep the SDK's defaults: on a busy development machine they
 * answer slowly but surely, and a refused connection is still a 503.
 */
export const SDK_REQUEST_HANDLER_TIMEOUTS = {
  connectionTimeout: 1_000,
  requestTimeout: 2_000,
  throwOnRequestTimeout: true,
} as const;

/** DynamoDB transaction cancellation reasons that mean capacity, not a lost race (TransactWriteItems). */
const THROTTLED_CANCELLATION_CODES: ReadonlySet<string> = new Set([
  "ThrottlingError",
  "ProvisionedThroughputExceeded",
]);
/** Cancellation reasons that mean another writer won: those stay 409s in the repository. */
const LOST_RACE_CANCELLATION_CODES: ReadonlySet<string> = new Set([
  "ConditionalCheckFailed",
  "TransactionConflict",
]);

/**
 * Translates an AWS SDK error into a {@link DependencyUnavailableError} when it means the dependency is
 * unavailable rather than that the call was wrong; anything else is `undefined` (left to the adapter).
 *
 * Outage means, after the SDK's own retries: throttling (HTTP 429, `ThrottlingException`,
 * `ProvisionedThroughputExceededException`, `RequestLimitExceeded`, …), a server error (any 5xx:
 * DynamoDB `InternalServerError`, `ServiceUnavailable`; KMS `KMSInternalException`,
 * `DependencyTimeoutException`), a transient network fault (`ECONNREFUSED`, `ECONNRESET`, `EPIPE`,
 * `ETIMEDOUT`, DNS failures, `TimeoutError`), or a DynamoDB transaction cancelled only for capacity.
 * The classification is the SDK's own (`@smithy/core/retry`, the lists its retry strategy uses), so a
 * new throttling code is recognised where the SDK recognises it.
 * @param dependency name shown in the message and the logs, e.g. `DynamoDB`.
 */
export function dependencyOutage(dependency: string, err: unknown): DependencyUnavailableError | undefined {
  if (typeof err !== "object" || err === null) return undefined;
  // biome-ignore lint/suspicious/noExplicitAny: the SDK's classifiers take its structural SdkError shape.
  const e = err as any;
  if (e.name === "TransactionCanceledException") {
    const codes: string[] = (e.CancellationReasons ?? []).map((r: { Code?: string }) => r?.Code ?? "");
    if (codes.some((c) => LOST_RACE_CANCELLATION_CODES.has(c))) return undefined;
    if (codes.some((c) => THROTTLED_CANCELLATION_CODES.has(c))) {
      return new DependencyUnavailableError(dependency, {
        cause: err,
        throttled: true,
        retryAfterSeconds: THROTTLED_RETRY_AFTER_SECONDS,
      });
    }
    return undefined;
  }
  if (e.name === "AbortError") return undefined;
  if (isThrottlingError(e)) {
    return new DependencyUnavailableError(dependency, {
      cause: err,
      throttled: true,
      retryAfterSeconds: THROTTLED_RETRY_AFTER_SECONDS,
    });
  }
  if (isTransientError(e) || isServerError(e)) {
    return new DependencyUnavailableError(dependency, {
      cause: err,
      retryAfterSeconds: UNAVAILABLE_RETRY_AFTER_SECONDS,
    });
  }
  return undefined;
}

/** The part of an AWS SDK v3 client this module needs: its middleware stack. */
interface ClientWithMiddleware {
  middlewareStack: {
    // biome-ignore lint/suspicious/noExplicitAny: each SDK client types its stack with its own input/output unions.
    add(middleware: any, options: { step: "initialize"; name: string; priority: "high" }): void;
  };
}

/**
 * Makes every command sent through `client` (and through a `DynamoDBDocumentClient` built on it, which
 * shares its middleware stack) throw a {@link DependencyUnavailableError} for an outage, as classified by
 * {@link dependencyOutage}, and every other error unchanged. The middleware sits first in the
 * `initialize` step, outside the SDK's retry middleware, so it sees only the error left after retries.
 * This is the adapter boundary for outages: one place per client instead of a try/catch per call.
 * @returns the same client.
 */
export function reportOutagesAs<C extends ClientWithMiddleware>(dependency: string, client: C): C {
  client.middlewareStack.add(
    (next: (args: unknown) => Promise<unknown>) => async (args: unknown) => {
      try {
        return await next(args);
      } catch (err) {
        throw dependencyOutage(dependency, err) ?? err;
      }
    },
    { step: "initialize", name: "jitAccessDependencyOutage", priority: "high" },
  );
  return client;
}
