import type { z } from "zod";
import {
  AccessRequestSchema,
  type AccessRequestView,
  AuditEventSchema,
  type AuditEventView,
  EntitlementSchema,
  type EntitlementView,
  type TokenResponse,
  TokenResponseSchema,
} from "./api-types.js";
import { ApiError, UnreachableError, UsageError } from "./errors.js";
import { displayText } from "./format.js";

/** How long one HTTP call may take before the CLI gives up (exit 3). */
export const REQUEST_TIMEOUT_MS = 30_000;

/** Most pages `--all-pages` follows (100 requests each at most). */
const MAX_PAGES = 1000;

/** Request ids as the API accepts them in a path (functions/adapters/http/rest-handler.ts). */
const REQUEST_ID = /^[A-Za-z0-9_-]{1,128}$/;

/** What the CLI sends with a new request (docs/http-api.md, `POST /requests`). */
export interface NewRequest {
  entitlement: string;
  /** ISO 8601 duration. */
  duration?: string;
  justification?: string;
  ticket?: string;
  /** Earliest start of the grant window, ISO 8601 with a zone. */
  startsAt?: string;
}

/** Settings of {@link JitApiClient}. */
export interface JitApiClientOptions {
  /** JIT API base URL without a trailing slash, e.g. `http://127.0.0.1:4000`. */
  baseUrl: string;
  /** Supplies the identity token for `Authorization: Bearer`; called once, on the first request. */
  idToken: () => Promise<string>;
  timeoutMs?: number;
  /** Where the base URL came from (`--endpoint`, `profile default`, a path), named when it cannot be reached. */
  endpointSource?: string;
  /** Added to the message of a 401: what to do about the refused identity. Default: log in again. */
  unauthorizedHint?: string;
}

/**
 * A small typed client of the JIT API (docs/http-api.md). Every failure becomes a CliError: problem documents
 * an ApiError with their `detail` and `code` (4xx exit 1, 5xx exit 3), no answer an UnreachableError.
 */
export class JitApiClient {
  readonly baseUrl: string;
  readonly #options: JitApiClientOptions;
  #token: Promise<string> | undefined;

  constructor(options: JitApiClientOptions) {
    this.baseUrl = options.baseUrl;
    this.#options = options;
  }

  /** `GET /entitlements`: the entitlements the caller may request. */
  async listEntitlements(): Promise<EntitlementView[]> {
    return listOf(await this.#call("GET", "/entitlements"), EntitlementSchema, "entitlements", this.baseUrl);
  }

  /** `POST /requests` → 201 request. */
  async createRequest(request: NewRequest): Promise<AccessRequestView> {
    return one(await this.#call("POST", "/requests", request), AccessRequestSchema, this.baseUrl);
  }

  /**
   * `GET /requests?mine` (own live requests), `GET /requests?mine&all` (own, finished ones too),
   * `GET /requests?pending` (requests the caller may approve now), `GET /requests?active` (live grants the
   * caller oversees) or `GET /requests?breakGlass&unreviewed` (break-glass grants awaiting review). Lists
   * are paged (docs/http-api.md, "Paging"): with `allPages` the `next` cursor is followed to the last page;
   * otherwise one page is read.
   * @returns the requests, and whether more pages follow (only when one page was read).
   */
  async listRequests(
    which: "mine" | "all" | "pending" | "active" | "unreviewed",
    options: { limit?: number; allPages?: boolean } = {},
  ): Promise<AccessRequestView[] & { more?: boolean }> {
    const base = which === "all" ? "mine&all" : which === "unreviewed" ? "breakGlass&unreviewed" : which;
    const limit = options.limit === undefined ? "" : `&limit=${options.limit}`;
    const out: AccessRequestView[] & { more?: boolean } = [];
    let next: string | undefined;
    // A bound on pages, so a server that always answers `next` cannot keep the CLI busy for ever.
    for (let page = 0; page < MAX_PAGES; page++) {
      const cursor = next === undefined ? "" : `&next=${encodeURIComponent(next)}`;
      const body = await this.#call("GET", `/requests?${base}${limit}${cursor}`);
      out.push(...listOf(body, AccessRequestSchema, "requests", this.baseUrl));
      const given = (body as { next?: unknown } | null)?.next;
      next = typeof given === "string" && given !== "" ? given : undefined;
      if (next === undefined) return out;
      if (!options.allPages) {
        out.more = true;
        return out;
      }
    }
    throw new UnreachableError(`${this.baseUrl} answered more than ${MAX_PAGES} pages of /requests?${base}`);
  }

  /** `GET /requests/{id}`. */
  async getRequest(id: string): Promise<AccessRequestView> {
    return one(await this.#call("GET", requestPath(id)), AccessRequestSchema, this.baseUrl);
  }

  /** `GET /requests/{id}/audit`: the request's audit trail, oldest first. */
  async getAuditTrail(id: string): Promise<AuditEventView[]> {
    return listOf(
      await this.#call("GET", `${requestPath(id)}/audit`),
      AuditEventSchema,
      "events",
      this.baseUrl,
    );
  }

  /** `POST /requests/{id}/{action}` with an optional body → the request after the transition. */
  async transition(
    id: string,
    action: "approve" | "deny" | "cancel" | "revoke" | "review" | "extend",
    body?: Record<string, string>,
  ): Promise<AccessRequestView> {
    return one(
      await this.#call("POST", `${requestPath(id)}/${action}`, body ?? {}),
      AccessRequestSchema,
      this.baseUrl,
    );
  }

  /** `POST /requests/{id}/token` → a new access token for an active grant. */
  async issueToken(id: string): Promise<TokenResponse> {
    return one(await this.#call("POST", `${requestPath(id)}/token`, {}), TokenResponseSchema, this.baseUrl);
  }

  async #call(method: string, path: string, body?: unknown): Promise<unknown> {
    this.#token ??= this.#options.idToken();
    const token = await this.#token;
    return requestJson(this.baseUrl, method, path, {
      body,
      headers: { authorization: `Bearer ${token}` },
      timeoutMs: this.#options.timeoutMs,
      hint: this.#options.unauthorizedHint ?? "run `jit login` again",
      jitApi: true,
      endpointSource: this.#options.endpointSource,
    });
  }
}

/**
 * Logs in at the local stack's development IdP: `POST {idp}/login {"username"}` → `{"id_token"}`.
 * @returns the identity token.
 * @throws ApiError for an unknown user; UnreachableError when the IdP does not answer.
 */
export async function devIdpLogin(idpUrl: string, username: string): Promise<string> {
  const body = await requestJson(idpUrl, "POST", "/login", { body: { username } });
  const idToken = (body as { id_token?: unknown } | null)?.id_token;
  if (typeof idToken !== "string" || idToken === "") {
    throw new UnreachableError(`the development IdP at ${idpUrl} answered without an id_token`);
  }
  return idToken;
}

/**
 * One JSON call with a timeout, mapping every failure to a CliError.
 * @param hint appended to 401 messages (how to get a new identity).
 */
async function requestJson(
  baseUrl: string,
  method: string,
  path: string,
  options: {
    body?: unknown;
    headers?: Record<string, string>;
    timeoutMs?: number | undefined;
    hint?: string;
    /** True for calls to the JIT API: a 4xx that is not one of its answers means another service. */
    jitApi?: boolean;
    endpointSource?: string | undefined;
  },
): Promise<unknown> {
  const timeoutMs = options.timeoutMs ?? REQUEST_TIMEOUT_MS;
  let response: Response;
  let text: string;
  try {
    response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: {
        accept: "application/json, application/problem+json",
        ...(options.body === undefined ? {} : { "content-type": "application/json" }),
        ...options.headers,
      },
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: AbortSignal.timeout(timeoutMs),
      redirect: "error",
    });
    text = await response.text();
  } catch (err) {
    throw unreachable(baseUrl, err, timeoutMs, options.endpointSource);
  }
  if (!response.ok) {
    if (options.jitApi) {
      const foreign = foreignAnswer(baseUrl, method, path, response.status, text, options.endpointSource);
      if (foreign) throw foreign;
    }
    throw apiErrorFrom(response.status, text, options.hint);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new UnreachableError(
      `${baseUrl} answered ${method} ${path.split("?")[0]} with HTTP ${response.status} but not JSON; is it a jit-access API?`,
    );
  }
}

/**
 * The error for a failed fetch: a timeout names the time waited; anything else (connection refused, DNS,
 * TLS, a redirect) says the server cannot be reached and, for loopback addresses, that the local stack is
 * probably not running.
 */
export function unreachable(
  baseUrl: string,
  err: unknown,
  timeoutMs: number,
  source?: string,
): UnreachableError {
  const name = (err as { name?: string } | null)?.name;
  if (name === "TimeoutError" || name === "AbortError") {
    return new UnreachableError(`${baseUrl} did not answer within ${Math.round(timeoutMs / 1000)}s`, {
      cause: err,
    });
  }
  const cause = (err as { cause?: { code?: string } } | null)?.cause;
  const host = safeHostname(baseUrl);
  const local = host === "127.0.0.1" || host === "localhost" || host === "[::1]";
  const from = source?.startsWith("profile ") ? ` (the API ${source} logged in to)` : "";
  const why = local
    ? " — is `npm start` running?"
    : ` (${cause?.code ?? "network error"}) — check --endpoint/JIT_ENDPOINT and your network`;
  return new UnreachableError(`cannot reach ${baseUrl}${from}${why}`, { cause: err });
}

/**
 * The error for a 4xx that the JIT API would never send, so the URL points at another service: exit 3,
 * as for anything that is not the JIT API. The JIT API's refusals are RFC 9457 problem documents with a
 * `code`, or API Gateway's own `{"message"}` answers (401 `Unauthorized`, 403 denies, 413, 429); API
 * Gateway's 403 "Missing Authentication Token" means the route does not exist on that API.
 * @returns the error, or `undefined` when the answer is one of the JIT API's.
 */
export function foreignAnswer(
  baseUrl: string,
  method: string,
  path: string,
  status: number,
  bodyText: string,
  source?: string,
): UnreachableError | undefined {
  if (status >= 500) return undefined;
  let doc: Record<string, unknown> | undefined;
  try {
    const parsed: unknown = JSON.parse(bodyText);
    if (typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)) {
      doc = parsed as Record<string, unknown>;
    }
  } catch {
    doc = undefined;
  }
  const check = source === undefined ? "--endpoint/JIT_ENDPOINT" : source;
  const route = `${method} ${path.split("?")[0]}`;
  if (doc?.message === "Missing Authentication Token") {
    return new UnreachableError(
      `${baseUrl} has no route ${route} (HTTP ${status}, "Missing Authentication Token"): it is not a jit-access ` +
        `JIT API, or the URL lacks its stage path (e.g. /prod); check ${check}`,
    );
  }
  if (typeof doc?.code === "string" || typeof doc?.message === "string") return undefined;
  return new UnreachableError(
    `${baseUrl} answered ${route} with HTTP ${status} and no jit-access problem document: it does not look ` +
      `like a jit-access JIT API; check ${check}`,
  );
}

function safeHostname(url: string): string {
  try {
    return new URL(url).hostname;
  } catch {
    return "";
  }
}

/**
 * Turns an error response into an ApiError. An RFC 9457 problem document gives `detail` (else `title`) and
 * `code`; API Gateway's own errors (`{"message": "Unauthorized"}`) give `message`; anything else the start
 * of the body. Text is made terminal-safe.
 * @param status HTTP status (≥ 400). @param bodyText the raw body. @param hint added to 401 messages.
 */
export function apiErrorFrom(status: number, bodyText: string, hint?: string): ApiError {
  let parsed: unknown;
  try {
    parsed = JSON.parse(bodyText);
  } catch {
    parsed = undefined;
  }
  const doc =
    typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : undefined;
  const pick = (key: string) =>
    typeof doc?.[key] === "string" && doc[key] !== "" ? (doc[key] as string) : undefined;
  const code = pick("code");
  let message =
    pick("detail") ?? pick("title") ?? pick("message") ?? (bodyText.trim().slice(0, 200) || `HTTP ${status}`);
  message = displayText(message);
  if (status === 401 && hint) message += ` — ${hint}`;
  return new ApiError(status, message, code === undefined ? undefined : displayText(code), doc);
}

function requestPath(id: string): string {
  if (!REQUEST_ID.test(id)) {
    throw new UsageError(
      `"${displayText(id)}" is not a request id (letters, digits, '-' and '_', at most 128)`,
    );
  }
  return `/requests/${id}`;
}

function one<S extends z.ZodType>(body: unknown, schema: S, baseUrl: string): z.output<S> {
  const result = schema.safeParse(body);
  if (!result.success) throw unexpectedShape(baseUrl, result.error);
  return result.data;
}

/** Accepts a bare array or an object holding the array under `key` (`{"requests": [...]}`). */
function listOf<S extends z.ZodType>(body: unknown, schema: S, key: string, baseUrl: string): z.output<S>[] {
  const items = Array.isArray(body) ? body : (body as Record<string, unknown> | null)?.[key];
  if (!Array.isArray(items)) {
    throw new UnreachableError(`${baseUrl} answered without a list of ${key}; is it a jit-access API?`);
  }
  return items.map((item) => one(item, schema, baseUrl));
}

function unexpectedShape(baseUrl: string, error: z.ZodError): UnreachableError {
  const issue = error.issues[0];
  return new UnreachableError(
    `${baseUrl} answered an unexpected shape (${issue?.path.join(".") || "(root)"}: ${issue?.message}); is it a jit-access API of the same version?`,
  );
}
