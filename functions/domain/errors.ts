/**
 * The one error hierarchy of jit-access. Every error a caller can cause carries a stable `code`
 * (part of the public API: clients switch on it, each documented in docs/errors.md) and maps to one HTTP
 * status in `adapters/http/problem-details.ts`.
 * Handlers match on `code`/`name` as well as `instanceof`, because bundling can duplicate classes.
 */

/** Stable error codes, as they appear in RFC 9457 problem documents (`code` member). */
export type ErrorCode =
  | "invalid_request"
  | "invalid_json"
  | "invalid_identity"
  | "invalid_cursor"
  | "unauthenticated"
  | "forbidden"
  | "not_eligible"
  | "self_approval"
  | "not_found"
  | "unknown_entitlement"
  | "conflict"
  | "invalid_state"
  | "already_approved"
  | "already_reviewed"
  | "extension_limit"
  | "expired"
  | "unavailable"
  | "configuration"
  | "internal";

/** Base class: a message a person can act on, a stable code, and an optional cause. */
export class JitError extends Error {
  readonly code: ErrorCode;
  /** Extra, safe-to-show details (field paths, allowed values); never secrets or tokens. */
  readonly details: Record<string, unknown> | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    options?: { cause?: unknown; details?: Record<string, unknown> },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.details = options?.details;
  }
}

/**
 * 400: input that fails validation. `details.field` names the offending field path. `invalid_identity`:
 * the verified identity's claims (`sub`, groups) are beyond what jit-access stores or evaluates (H28).
 * `invalid_cursor`: a `next` cursor that this deployment did not issue to this caller for this list.
 */
export class ValidationError extends JitError {
  constructor(
    message: string,
    details?: Record<string, unknown>,
    code: "invalid_request" | "invalid_json" | "invalid_identity" | "invalid_cursor" = "invalid_request",
  ) {
    super(code, message, details === undefined ? undefined : { details });
  }
}

/** 401: no identity, or an identity that did not verify. */
export class UnauthenticatedError extends JitError {
  constructor(message = "A valid identity token is required.") {
    super("unauthenticated", message);
  }
}

/** 403: the caller is known but may not do this. */
export class ForbiddenError extends JitError {
  constructor(message: string, code: "forbidden" | "not_eligible" | "self_approval" = "forbidden") {
    super(code, message);
  }
}

/** 404: unknown request id or entitlement. */
export class NotFoundError extends JitError {
  constructor(message: string, code: "not_found" | "unknown_entitlement" = "not_found") {
    super(code, message);
  }
}

/**
 * 409: the request is not in a state that allows this action, or a concurrent change won the race
 * (a DynamoDB condition failure is translated into this at the adapter boundary).
 */
export class ConflictError extends JitError {
  constructor(
    message: string,
    code:
      | "conflict"
      | "invalid_state"
      | "already_approved"
      | "already_reviewed"
      | "extension_limit" = "conflict",
    options?: { cause?: unknown; details?: Record<string, unknown> },
  ) {
    super(code, message, options);
  }
}

/** 410: the request or grant has expired (approval deadline passed, or `now >= expiresAt`). */
export class ExpiredError extends JitError {
  constructor(message: string) {
    super("expired", message);
  }
}

/** Retry-After, seconds, of a {@link DependencyUnavailableError} built without one. */
export const DEFAULT_RETRY_AFTER_SECONDS = 5;

/**
 * 503: a service jit-access depends on (DynamoDB, KMS) is unreachable, failing or throttling after the
 * SDK's own retries. The caller may retry after `retryAfterSeconds` (sent as the `Retry-After` header,
 * RFC 9110 §10.2.3) and then reads the state that holds: a write whose answer was lost (a timeout) may
 * have committed, and every transition is conditional, so a repeated one is a 409, never a double one.
 * Adapters raise it at their boundary, so no AWS SDK error reaches a response as a 500.
 */
export class DependencyUnavailableError extends JitError {
  /** Which dependency, e.g. `DynamoDB` or `KMS`: for logs and the message, never secrets. */
  readonly dependency: string;
  /** Whole seconds after which a retry is reasonable (≥ 1). */
  readonly retryAfterSeconds: number;

  constructor(
    dependency: string,
    options: { cause?: unknown; retryAfterSeconds?: number; throttled?: boolean } = {},
  ) {
    const retryAfterSeconds = Math.max(
      1,
      Math.ceil(options.retryAfterSeconds ?? DEFAULT_RETRY_AFTER_SECONDS),
    );
    super(
      "unavailable",
      `${dependency} is ${options.throttled ? "throttling requests" : "unavailable"} right now. ` +
        `Retry after ${retryAfterSeconds} seconds.`,
      { cause: options.cause },
    );
    this.dependency = dependency;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** Invalid deployment configuration (policy file, environment). Fails start-up, synth or cold start. */
export class ConfigurationError extends JitError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("configuration", message, options);
  }
}

/** True when `err` is a JitError, also across duplicated bundles (matches on shape, not only class). */
export function isJitError(err: unknown): err is JitError {
  if (err instanceof JitError) return true;
  return (
    typeof err === "object" &&
    err !== null &&
    typeof (err as { code?: unknown }).code === "string" &&
    typeof (err as { message?: unknown }).message === "string" &&
    (err as { name?: unknown }).name !== undefined &&
    String((err as { name: unknown }).name).endsWith("Error") &&
    ERROR_CODES.has((err as { code: string }).code as ErrorCode)
  );
}

const ERROR_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  "invalid_request",
  "invalid_json",
  "invalid_identity",
  "invalid_cursor",
  "unauthenticated",
  "forbidden",
  "not_eligible",
  "self_approval",
  "not_found",
  "unknown_entitlement",
  "conflict",
  "invalid_state",
  "already_approved",
  "already_reviewed",
  "extension_limit",
  "expired",
  "unavailable",
  "configuration",
  "internal",
]);
