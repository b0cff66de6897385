import type { Logger } from "@aws-lambda-powertools/logger";
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from "aws-lambda";
import type * as z from "zod/mini";
import { isJitError, ValidationError } from "../../domain/errors.js";
import type { MetricName, OperationalMetrics } from "../../ports/operational-metrics.js";
import { EmfMetrics } from "../metrics/emf-metrics.js";
import { type CallerIdentity, callerIdentityFromEvent } from "./caller-identity.js";
import { corsHeadersFromEnvironment } from "./cors.js";
import { parseJsonBody } from "./parse-body.js";
import { jsonResponse, problemResponse } from "./problem-details.js";

/** A Lambda entry for API Gateway REST proxy events. `context` is optional so tests can omit it. */
export type RestHandler = (event: APIGatewayProxyEvent, context?: Context) => Promise<APIGatewayProxyResult>;

/** Request ids are ours (UUIDs); anything outside this shape cannot name one. */
const PATH_ID_PATTERN = /^[A-Za-z0-9_-]{1,128}$/;

/** What a route's `handle` receives: everything already parsed and validated. */
export interface RestRequest<B> {
  /** The verified caller, from the identity authorizer's context only (never from the body). */
  caller: CallerIdentity;
  /** The body, validated by the route's schema (`undefined` when the route declares none). */
  body: B;
  /** The `{id}` path parameter, checked against a safe shape, when the route declares `pathId`. */
  id: string | undefined;
  /** Query string parameters; a bare flag (`?mine`) is present with value `""`. */
  query: Readonly<Record<string, string | undefined>>;
  /** The raw event, for routes that need more (never log it: it carries the Authorization header). */
  event: APIGatewayProxyEvent;
}

/** What a route's `handle` returns: the response, plus what the access log line records. */
export interface RestReply {
  statusCode: number;
  /** JSON-serialisable body. */
  body: unknown;
  headers?: Record<string, string>;
  /** Short outcome for the log, e.g. `approved`, `approval_recorded`, `already_revoked`. */
  outcome: string;
  /** The jit-access request id acted on, when it is not the path `id` (e.g. a new request). */
  subjectRequestId?: string;
  /** `warn` for events operators must see (break-glass grants). Default `info`. */
  logLevel?: "info" | "warn";
  /** Log message; default `"<operation> handled"`. */
  logMessage?: string;
  /** Extra safe fields for the log line (ids, codes, booleans). Never tokens. */
  logFields?: Record<string, string | number | boolean>;
  /** The workflow transition this reply reports, counted once (docs/operations.md). */
  metric?: MetricName;
}

/** A route: how to parse its event and which use case answers it. */
export interface RestRoute<S extends z.ZodMiniType | undefined = undefined> {
  /** Operation name for logs, e.g. `approve-request`. */
  operation: string;
  logger: Logger;
  /** Where transitions are counted. @default EMF lines in namespace `JitAccess` ({@link EmfMetrics}) */
  metrics?: OperationalMetrics;
  /** zod schema of the JSON body; omit for routes that take none (their body is ignored). */
  body?: S;
  /** True when the route has an `{id}` path parameter. */
  pathId?: boolean;
  /** Calls one use case and shapes the reply. Throw JitErrors for caller mistakes. */
  handle(request: RestRequest<S extends z.ZodMiniType ? z.output<S> : undefined>): Promise<RestReply>;
}

/**
 * Builds a thin REST proxy handler: caller identity (401 when absent), path id, body (zod, 400 naming the
 * field), one use case, then a JSON reply or an RFC 9457 problem document via `problemResponse` (the one
 * error → HTTP mapping). Each invocation writes one structured log line with the operation, the Lambda
 * and API Gateway request ids, the actor (`sub`), the jit-access request id acted on, the outcome and the
 * status code. It never logs the event, the body or any header, so identity tokens cannot leak. A reply
 * naming a `metric` (a workflow transition) is counted once, after the use case succeeded.
 */
export function createRestHandler<S extends z.ZodMiniType | undefined = undefined>(
  route: RestRoute<S>,
): RestHandler {
  const { logger, operation } = route;
  // Read once per handler (cold start): the console origin the responses allow (none when unset).
  const cors = corsHeadersFromEnvironment();
  const metrics = route.metrics ?? new EmfMetrics();
  return async (event, context) => {
    if (context) logger.addContext(context);
    const log: Record<string, string | number | boolean> = {
      operation,
      apiRequestId: event.requestContext?.requestId ?? "",
    };
    try {
      const caller = callerIdentityFromEvent(event);
      log.actor = caller.sub;
      const id = route.pathId ? pathId(event) : undefined;
      if (id !== undefined) log.jitRequestId = id;
      const body = (route.body === undefined ? undefined : parseJsonBody(event, route.body)) as never;
      const query = { ...(event.queryStringParameters ?? {}) };
      const reply = await route.handle({ caller, body, id, query, event });
      if (reply.subjectRequestId !== undefined) log.jitRequestId = reply.subjectRequestId;
      const fields = { ...reply.logFields, ...log, outcome: reply.outcome, statusCode: reply.statusCode };
      const message = reply.logMessage ?? `${operation} handled`;
      if (reply.logLevel === "warn") logger.warn(message, fields);
      else logger.info(message, fields);
      if (reply.metric !== undefined) metrics.count(reply.metric);
      return jsonResponse(reply.statusCode, reply.body, { ...reply.headers, ...cors });
    } catch (err) {
      const { response, unexpected } = problemResponse(err, event.path);
      const fields = {
        ...log,
        outcome: isJitError(err) ? err.code : "internal",
        statusCode: response.statusCode,
      };
      if (unexpected) logger.error(`${operation} failed`, { ...fields, error: err as Error });
      else if (response.statusCode === 503)
        logger.warn(`${operation} unavailable`, dependencyFields(err, fields));
      else logger.info(`${operation} refused`, fields);
      return withHeaders(response, cors);
    }
  };
}

/** A 503's log fields: which dependency and the SDK error's name (never its message: it may echo input). */
function dependencyFields(err: unknown, fields: Record<string, string | number | boolean>) {
  const e = err as { dependency?: unknown; cause?: { name?: unknown; code?: unknown } };
  return {
    ...fields,
    dependency: String(e.dependency ?? ""),
    dependencyError: String(e.cause?.code ?? e.cause?.name ?? ""),
  };
}

function pathId(event: APIGatewayProxyEvent): string {
  const id = event.pathParameters?.id;
  if (typeof id !== "string" || !PATH_ID_PATTERN.test(id)) {
    throw new ValidationError("The path parameter id must be a request id (letters, digits, '-', '_').", {
      field: "id",
    });
  }
  return id;
}

function withHeaders(
  response: APIGatewayProxyResult,
  headers: Record<string, string>,
): APIGatewayProxyResult {
  return { ...response, headers: { ...response.headers, ...headers } };
}
