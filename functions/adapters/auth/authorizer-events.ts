import {
  allowPolicy,
  denyPolicy,
  type ExecuteApiArn,
  executeApiArnPrefix,
  type IamPolicyDocument,
  parseExecuteApiArn,
  permissionArns,
} from "../../domain/iam-policy.js";
import type { Route } from "../../domain/route-matching.js";

/**
 * The three API Gateway authorizer events the JIT authorizer accepts, recognised strictly:
 * - `rest-token`: REST API TOKEN authorizer (`type: "TOKEN"`, `authorizationToken`, `methodArn`);
 *   https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-lambda-authorizer-input.html
 * - `rest-request`: REST API REQUEST authorizer (`type: "REQUEST"`, `methodArn`, `httpMethod`,
 *   `headers`, no `version`);
 * - `http-api-v2`: HTTP API authorizer, payload format 2.0 (`version: "2.0"`, `type: "REQUEST"`,
 *   `routeArn`, `requestContext.http`, `headers`), answered with a simple response;
 *   https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-lambda-authorizer.html
 * Anything else (HTTP API payload 1.0 included) is unrecognised.
 */
export type AuthorizerEventKind = "rest-token" | "rest-request" | "http-api-v2";

/** A recognised authorizer event. */
export interface ParsedAuthorizerEvent {
  kind: AuthorizerEventKind;
  /** The bearer token, or `undefined` when absent, not `Bearer`, or ambiguous (several headers). */
  token: string | undefined;
  /** The ARN as API Gateway sent it (`methodArn` or `routeArn`), already validated. */
  rawArn: string;
  arn: ExecuteApiArn;
  /**
   * The called route, from the ARN: the stage-less method and path API Gateway authorizes. For REST
   * APIs this is the `methodArn` the returned policy is evaluated against; for HTTP APIs the `routeArn`
   * (`requestContext.http.path` is not used: on a named stage it carries the stage prefix).
   */
  route: Route;
}

/** Thrown for an event that is none of {@link AuthorizerEventKind}; the handler answers 401. */
export class UnrecognisedAuthorizerEventError extends Error {
  override name = "UnrecognisedAuthorizerEventError";
}

/**
 * Recognises and reads an authorizer event.
 * @throws UnrecognisedAuthorizerEventError for any other shape, an invalid ARN, or a method in the event
 *   that differs from the one in its ARN.
 */
export function parseAuthorizerEvent(event: unknown): ParsedAuthorizerEvent {
  if (!isRecord(event)) throw unrecognised("not an object");
  if (event.version === "2.0") return parseHttpApiV2(event);
  if (Object.hasOwn(event, "version")) throw unrecognised("unsupported payload version");
  if (Object.hasOwn(event, "routeArn")) throw unrecognised("routeArn without version 2.0");
  if (event.type === "TOKEN") {
    if (typeof event.authorizationToken !== "string") throw unrecognised("TOKEN event without token");
    const { rawArn, arn } = readArn(event.methodArn);
    return {
      kind: "rest-token",
      token: bearerToken(event.authorizationToken),
      rawArn,
      arn,
      route: routeOf(arn),
    };
  }
  if (event.type === "REQUEST") {
    const { rawArn, arn } = readArn(event.methodArn);
    if (event.httpMethod !== arn.method) throw unrecognised("httpMethod differs from methodArn");
    const token = restRequestToken(event.headers, event.multiValueHeaders);
    return { kind: "rest-request", token, rawArn, arn, route: routeOf(arn) };
  }
  throw unrecognised("unknown event type");
}

function parseHttpApiV2(event: Record<string, unknown>): ParsedAuthorizerEvent {
  if (event.type !== "REQUEST") throw unrecognised("2.0 event that is not REQUEST");
  const context = event.requestContext;
  const http = isRecord(context) ? context.http : undefined;
  if (!isRecord(http) || typeof http.method !== "string" || typeof http.path !== "string")
    throw unrecognised("2.0 event without requestContext.http");
  const { rawArn, arn } = readArn(event.routeArn);
  if (http.method !== arn.method) throw unrecognised("http.method differs from routeArn");
  const headers = event.headers;
  if (headers !== undefined && headers !== null && !isRecord(headers)) throw unrecognised("bad headers");
  // HTTP APIs lower-case header names and join repeated headers with commas; a comma can never appear
  // in a JWT, so a repeated Authorization header fails the bearer syntax below.
  const value = isRecord(headers) ? headers.authorization : undefined;
  const token = typeof value === "string" ? bearerToken(value) : undefined;
  return { kind: "http-api-v2", token, rawArn, arn, route: routeOf(arn) };
}

/** The one Authorization header of a REST REQUEST event; `undefined` if missing or given more than once. */
function restRequestToken(headers: unknown, multiValueHeaders: unknown): string | undefined {
  if (headers !== undefined && headers !== null && !isRecord(headers)) throw unrecognised("bad headers");
  // Every Authorization value, from either map, must be the same one string; this runs on every call, so
  // it walks the maps in place instead of collecting entries and a set of values.
  const found: AuthorizationValues = { value: undefined, distinct: 0 };
  if (isRecord(headers)) {
    for (const name in headers) {
      if (!Object.hasOwn(headers, name) || !isAuthorizationName(name)) continue;
      const value = headers[name];
      if (typeof value === "string") note(found, value);
    }
  }
  if (isRecord(multiValueHeaders)) {
    for (const name in multiValueHeaders) {
      if (!Object.hasOwn(multiValueHeaders, name) || !isAuthorizationName(name)) continue;
      const list = multiValueHeaders[name];
      if (!Array.isArray(list) || list.length !== 1) return undefined;
      note(found, String(list[0]));
    }
  }
  return found.distinct === 1 && found.value !== undefined ? bearerToken(found.value) : undefined;
}

/** The Authorization values seen so far: the first one, and how many distinct ones (counted up to 2). */
interface AuthorizationValues {
  value: string | undefined;
  distinct: 0 | 1 | 2;
}

function note(found: AuthorizationValues, value: string): void {
  if (found.distinct === 0) {
    found.value = value;
    found.distinct = 1;
  } else if (value !== found.value) {
    found.distinct = 2;
  }
}

/**
 * Header names are case-insensitive (RFC 9110 §5.1); REST events keep the client's spelling. The length
 * test spares a lower-cased copy of every other name (1–2 % of a warm decision, measured in process).
 * It is exact: besides ASCII letters, the only character whose lower case is an ASCII letter is U+212A
 * KELVIN SIGN (→ `k`), one character for one, so every name whose lower case is `authorization` has 13
 * characters.
 */
function isAuthorizationName(name: string): boolean {
  return name.length === AUTHORIZATION.length && name.toLowerCase() === AUTHORIZATION;
}

const AUTHORIZATION = "authorization";

/**
 * RFC 6750 §2.1 `Bearer` credentials (scheme case-insensitive); the token itself is not judged here. The
 * scheme's cases are spelled out rather than matched with the `i` flag, which is the same set of strings
 * (without `u`, `i` only folds these letters to their ASCII cases) but slows the scan of the whole token.
 */
const BEARER = /^[Bb][Ee][Aa][Rr][Ee][Rr] +([^\s,]+)$/;

/** The token of `Bearer <token>` credentials, or `undefined` for any other header value. */
function bearerToken(value: string): string | undefined {
  return BEARER.exec(value)?.[1];
}

function readArn(value: unknown): { rawArn: string; arn: ExecuteApiArn } {
  if (typeof value !== "string") throw unrecognised("no ARN");
  try {
    return { rawArn: value, arn: parseExecuteApiArn(value) };
  } catch (err) {
    throw unrecognised(`invalid ARN: ${(err as Error).message}`);
  }
}

function routeOf(arn: ExecuteApiArn): Route {
  return { method: arn.method, path: arn.path };
}

function unrecognised(why: string): UnrecognisedAuthorizerEventError {
  return new UnrecognisedAuthorizerEventError(`unrecognised authorizer event: ${why}`);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Authorizer context: flat strings, numbers and booleans only (API Gateway refuses objects and arrays). */
export type AuthorizerContext = Record<string, string | number | boolean>;

/** REST API (TOKEN/REQUEST) authorizer output. */
export interface RestAuthorizerResult {
  principalId: string;
  policyDocument: IamPolicyDocument;
  context?: AuthorizerContext;
}

/** HTTP API simple response (payload 2.0, `enableSimpleResponses`): a real boolean. */
export interface HttpApiSimpleResult {
  isAuthorized: boolean;
  context: AuthorizerContext;
}

/** What the JIT authorizer answers (or it throws `Unauthorized`). */
export type JitAuthorizerResult = RestAuthorizerResult | HttpApiSimpleResult;

/**
 * The answer for an allowed call. REST: one Allow statement naming every ARN the entitlement's
 * permissions open on this API and stage, so API Gateway's result cache (keyed by token) is right for
 * every later route (H11). HTTP API: `isAuthorized: true`; its cache key must include the route, or
 * caching must be off, since a simple response is not per route.
 * @throws InvalidPermissionError for a permission outside the grammar (callers deny).
 */
export function allowResult(
  event: ParsedAuthorizerEvent,
  principalId: string,
  permissions: readonly string[],
  context: AuthorizerContext,
): JitAuthorizerResult {
  if (event.kind === "http-api-v2") return { isAuthorized: true, context };
  return { principalId, policyDocument: allowPolicy(permissionArns(permissions, event.arn)), context };
}

/**
 * The answer for a valid token whose grant does not allow any call (revoked, expired, unknown, mismatched)
 * or a fault: REST an explicit Deny of every route of this API and stage (`{apiId}/{stage}/*`), so a
 * cached answer (API Gateway caches by token) refuses every later route too; HTTP API
 * `isAuthorized: false`.
 */
export function denyResult(event: ParsedAuthorizerEvent, principalId: string): JitAuthorizerResult {
  if (event.kind === "http-api-v2") return { isAuthorized: false, context: {} };
  return { principalId, policyDocument: denyPolicy(`${executeApiArnPrefix(event.arn)}*`) };
}

/**
 * The answer for a live grant whose entitlement does not cover the called route. REST: the same Allow
 * list as for a covered route, which does not name this route, so API Gateway refuses it (403) while a
 * cached copy still allows the routes the grant does cover (an explicit Deny of this route would be
 * cached for the token and refuse nothing else, but the Allow list is the one answer that is right for
 * every route). HTTP API (per-route cache key): `isAuthorized: false`.
 * @throws InvalidPermissionError for a permission outside the grammar (callers deny).
 */
export function routeNotCoveredResult(
  event: ParsedAuthorizerEvent,
  principalId: string,
  permissions: readonly string[],
  context: AuthorizerContext,
): JitAuthorizerResult {
  if (event.kind === "http-api-v2") return { isAuthorized: false, context: {} };
  return { principalId, policyDocument: allowPolicy(permissionArns(permissions, event.arn)), context };
}
