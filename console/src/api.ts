import type { AuditEvent } from "#functions/domain/audit-event.js";
import type { EntitlementView } from "#functions/use-cases/list-entitlements.js";
import type { RequestView } from "#functions/use-cases/request-view.js";
import type { ConsoleConfig } from "./config";

/** The JIT API's response shapes, shared with the server code (functions/) rather than copied. */
export type { AuditEvent, EntitlementView, RequestView };

/** `POST /requests/{id}/token` (RFC 6749 §5.1 member names). */
export interface TokenResponse {
  access_token: string;
  token_type: string;
  /** Seconds until the token's `exp`. */
  expires_in: number;
}

/** One field-level problem of a 400 problem document (`errors` member). */
export interface FieldProblem {
  field: string;
  message: string;
}

/**
 * A refusal of the JIT API: its RFC 9457 problem document (`status`, `code`, `detail`, and for 400s the
 * offending `field` and every field problem), or `network` when it could not be reached.
 */
export class ApiError extends Error {
  override name = "ApiError";
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
    readonly errors: readonly FieldProblem[] = [],
  ) {
    super(message);
  }

  /** The message to show next to `field`, when this error is about it. */
  messageFor(field: string): string | undefined {
    const problems = this.errors.filter((e) => e.field === field);
    if (problems.length > 0) return problems.map((p) => p.message).join("; ");
    return this.field === field ? this.message : undefined;
  }
}

/** Thrown when the session is gone and could not be renewed: the page asks the person to sign in again. */
export class SignedOutError extends Error {
  override name = "SignedOutError";
}

/** A JIT API client bound to the signed-in person. */
export interface JitApi {
  get<T>(path: string): Promise<T>;
  post<T>(path: string, body?: unknown): Promise<T>;
}

/**
 * Builds the JIT API client: every call carries a fresh ID token (`Authorization: Bearer`), never a
 * cookie; a problem document becomes an {@link ApiError}; a 401 ends the session.
 */
export function createApi(
  config: ConsoleConfig,
  idToken: () => Promise<string | undefined>,
  onSignedOut: () => void,
): JitApi {
  async function call<T>(method: "GET" | "POST", path: string, body?: unknown): Promise<T> {
    const token = await idToken();
    if (token === undefined) {
      onSignedOut();
      throw new SignedOutError("Your session has ended. Sign in again.");
    }
    const headers: Record<string, string> = { authorization: `Bearer ${token}`, accept: "application/json" };
    if (method === "POST") headers["content-type"] = "application/json";
    let response: Response;
    try {
      response = await fetch(`${config.apiUrl}${path}`, {
        method,
        headers,
        credentials: "omit",
        cache: "no-store",
        ...(method === "POST" ? { body: JSON.stringify(body ?? {}) } : {}),
      });
    } catch {
      throw new ApiError(0, "network", "The JIT API could not be reached. Check your connection and retry.");
    }
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text === "" ? undefined : JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    if (response.ok) return parsed as T;
    if (response.status === 401) {
      onSignedOut();
      throw new SignedOutError("Your session has ended. Sign in again.");
    }
    throw toApiError(response, parsed);
  }
  return {
    get: (path) => call("GET", path),
    post: (path, body) => call("POST", path, body),
  };
}

function toApiError(response: Response, parsed: unknown): ApiError {
  const doc = (typeof parsed === "object" && parsed !== null ? parsed : {}) as Record<string, unknown>;
  const code = typeof doc.code === "string" ? doc.code : `http_${response.status}`;
  let message =
    typeof doc.detail === "string"
      ? doc.detail
      : typeof doc.message === "string"
        ? doc.message
        : `The JIT API answered HTTP ${response.status}.`;
  if (response.status === 503) {
    const retry = response.headers.get("retry-after");
    message = `${message}${retry ? ` Retry in ${retry} s.` : ""}`;
  }
  const errors = Array.isArray(doc.errors)
    ? doc.errors.filter(
        (e): e is FieldProblem =>
          typeof e === "object" &&
          e !== null &&
          typeof (e as FieldProblem).field === "string" &&
          typeof (e as FieldProblem).message === "string",
      )
    : [];
  return new ApiError(
    response.status,
    code,
    message,
    typeof doc.field === "string" ? doc.field : undefined,
    errors,
  );
}

/** `/requests/{id}` with the id encoded. */
export function requestPath(id: string, action?: string): string {
  return `/requests/${encodeURIComponent(id)}${action === undefined ? "" : `/${action}`}`;
}
