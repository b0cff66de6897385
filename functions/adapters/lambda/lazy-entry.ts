import type { Logger } from "@aws-lambda-powertools/logger";
import type { StructuredLog } from "../../ports/structured-log.js";
import { problemResponse } from "../http/problem-details.js";
import type { RestHandler } from "../http/rest-handler.js";

/**
 * A Lambda entry whose handler is built on first use, once per container, and which answers with the
 * entry's fail-closed answer while the handler cannot be built.
 *
 * - Built once: the first event builds the handler (reading the environment, the policy file, keys); later
 *   events, concurrent ones included, reuse that one build. Importing the module reads and calls nothing.
 * - Retried after a failure: a failed build is forgotten, so the next event builds again. A dependency
 *   that was unavailable for a moment at cold start (a throttled KMS or DynamoDB call) does not leave the
 *   container failing for the rest of its life; an invalid configuration keeps failing, loudly, each time.
 *
 * @param build builds the handler; may throw or reject (`ConfigurationError`, `DependencyUnavailableError`, …).
 * @param failClosed the answer to an event that arrives while building fails: a response, or a throw.
 * @returns the Lambda entry function.
 */
export function lazyEntry<A extends unknown[], R>(
  build: () => ((...args: A) => Promise<R>) | Promise<(...args: A) => Promise<R>>,
  failClosed: (err: unknown, ...args: A) => R | Promise<R>,
): (...args: A) => Promise<R> {
  let built: Promise<(...args: A) => Promise<R>> | undefined;
  return async (...args: A): Promise<R> => {
    if (built === undefined) {
      const attempt = Promise.resolve().then(build);
      built = attempt;
      // Forget only this attempt: a later successful build started meanwhile must stay.
      attempt.catch(() => {
        if (built === attempt) built = undefined;
      });
    }
    let handler: (...args: A) => Promise<R>;
    try {
      handler = await built;
    } catch (err) {
      return failClosed(err, ...args);
    }
    return handler(...args);
  };
}

/**
 * {@link lazyEntry} for a JIT API route (REST proxy). While the handler cannot be built it answers with a
 * problem document: 503 `unavailable` with `Retry-After` when a dependency was unavailable, a 500
 * `internal` (details in the log only, at error level) for an invalid configuration or anything else.
 */
export function restEntry(build: () => RestHandler | Promise<RestHandler>, logger: Logger): RestHandler {
  return lazyEntry(build, (err, event, context) => {
    const { response, unexpected } = problemResponse(err, event.path);
    if (context) logger.addContext(context);
    if (unexpected) logger.error("handler initialisation failed", { error: err as Error });
    else logger.warn("handler initialisation failed", errorFields(err));
    return response;
  });
}

/** The error API Gateway maps to 401: the message must be exactly `Unauthorized`. */
export function unauthorized(): Error {
  return new Error("Unauthorized");
}

/**
 * {@link lazyEntry} for a Lambda authorizer. While the authorizer cannot be built every call is refused
 * with exactly `Unauthorized` (401; never an allow), logged at error level with reason `init_failed`.
 */
export function authorizerEntry<E, R>(
  build: () => ((event: E) => Promise<R>) | Promise<(event: E) => Promise<R>>,
  logger: StructuredLog,
): (event: E) => Promise<R> {
  return lazyEntry(build, (err): never => {
    logger.error("authorizer initialisation failed", {
      decision: "unauthorized",
      reason: "init_failed",
      ...errorFields(err),
    });
    throw unauthorized();
  });
}

/**
 * {@link lazyEntry} for an entry whose caller retries a failed invocation itself (a DynamoDB stream
 * batch, a CloudFormation custom resource): the build error is logged and thrown, so the invocation fails
 * and nothing is acknowledged.
 */
export function throwingEntry<E, R>(
  build: () => ((event: E) => Promise<R>) | Promise<(event: E) => Promise<R>>,
  logger: StructuredLog,
): (event: E) => Promise<R> {
  return lazyEntry(build, (err): never => {
    logger.error("handler initialisation failed", errorFields(err));
    throw err;
  });
}

/** Name and message of a build error, for a log line (configuration messages name the field at fault). */
function errorFields(err: unknown): { errorName: string; errorMessage: string } {
  const e = err as { name?: unknown; message?: unknown } | undefined;
  return { errorName: String(e?.name ?? typeof err), errorMessage: String(e?.message ?? err) };
}
