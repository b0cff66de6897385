import type { APIGatewayProxyResult } from "aws-lambda";
import { DEFAULT_RETRY_AFTER_SECONDS, type ErrorCode, isJitError } from "../../domain/errors.js";

/** The one table from stable error code to HTTP status (docs/http-api.md). */
export const STATUS_BY_CODE: Readonly<Record<ErrorCode, number>> = {
  invalid_request: 400,
  invalid_json: 400,
  invalid_identity: 400,
  invalid_cursor: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_eligible: 403,
  self_approval: 403,
  not_found: 404,
  unknown_entitlement: 404,
  conflict: 409,
  invalid_state: 409,
  already_approved: 409,
  already_reviewed: 409,
  extension_limit: 409,
  expired: 410,
  unavailable: 503,
  configuration: 500,
  internal: 500,
};

const TITLES: Readonly<Record<number, string>> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  409: "Conflict",
  410: "Gone",
  500: "Internal Server Error",
  503: "Service Unavailable",
};

/** An RFC 9457 problem details document with our stable `code` extension member. */
export interface ProblemDocument {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ErrorCode;
  [extension: string]: unknown;
}

/**
 * Maps any thrown value to an RFC 9457 `application/problem+json` response. JitErrors keep their code,
 * message and details; anything else becomes a 500 `internal` with no internals in the body (the caller
 * logs the original). A 503 `unavailable` carries `Retry-After` (whole seconds, RFC 9110 §10.2.3) from the
 * error's `retryAfterSeconds`.
 * @returns the response and whether the error was unexpected (to be logged at error level).
 */
export function problemResponse(
  err: unknown,
  instance?: string,
): { response: APIGatewayProxyResult; unexpected: boolean } {
  let doc: ProblemDocument;
  let unexpected = false;
  const headers: Record<string, string> = {
    "content-type": "application/problem+json",
    "cache-control": "no-store",
  };
  if (isJitError(err) && err.code !== "internal" && err.code !== "configuration") {
    const status = STATUS_BY_CODE[err.code];
    doc = {
      type: `https://github.com/jit-access/jit-access#error-${err.code}`,
      title: TITLES[status] ?? "Error",
      status,
      detail: err.message,
      code: err.code,
      ...(err.details ?? {}),
    };
    if (err.code === "unavailable") headers["retry-after"] = String(retryAfterSeconds(err));
  } else {
    unexpected = true;
    doc = {
      type: "https://github.com/jit-access/jit-access#error-internal",
      title: TITLES[500] as string,
      status: 500,
      detail: "An internal error occurred. It has been logged; retry later or contact the operators.",
      code: "internal",
    };
  }
  if (instance !== undefined) doc.instance = instance;
  return {
    unexpected,
    response: {
      statusCode: doc.status,
      headers,
      body: JSON.stringify(doc),
    },
  };
}

/** The error's `retryAfterSeconds` when it is a sane whole number of seconds (matched by shape, not class). */
function retryAfterSeconds(err: unknown): number {
  const value = (err as { retryAfterSeconds?: unknown }).retryAfterSeconds;
  return typeof value === "number" && Number.isInteger(value) && value >= 1 && value <= 3600
    ? value
    : DEFAULT_RETRY_AFTER_SECONDS;
}

/** A JSON success response. */
export function jsonResponse(
  statusCode: number,
  body: unknown,
  headers: Record<string, string> = {},
): APIGatewayProxyResult {
  return {
    statusCode,
    headers: { "content-type": "application/json", "cache-control": "no-store", ...headers },
    body: JSON.stringify(body),
  };
}
