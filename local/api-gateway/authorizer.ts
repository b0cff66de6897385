import type { APIGatewayRequestAuthorizerEvent } from "aws-lambda";
import { evaluatePolicy } from "./policy-evaluation.js";
import { nameMap } from "./proxy-event.js";

/** Flat authorizer context as API Gateway accepts it: string, number or boolean values only. */
export type AuthorizerContext = Record<string, string | number | boolean>;

/** A validated authorizer response (REST API, IAM policy form). */
export interface AuthorizerPolicy {
  principalId: string;
  policyDocument: unknown;
  context: AuthorizerContext;
}

/**
 * A REST API `REQUEST` Lambda authorizer as the emulator runs it.
 * @property identityHeaders header names of the identity source (`method.request.header.X`); all must be
 *   present and non-empty, or API Gateway answers 401 without calling the function.
 * @property resultTtlSeconds authorizer result cache TTL (API Gateway `authorizerResultTtlInSeconds`,
 *   0 to 3600); 0 disables caching.
 * @property invoke runs the function; it rejects with the function's error (an `Error("Unauthorized")`
 *   means 401, anything else is a configuration fault, 500).
 */
export interface RequestAuthorizer {
  name: string;
  identityHeaders: readonly string[];
  resultTtlSeconds: number;
  invoke(event: APIGatewayRequestAuthorizerEvent): Promise<unknown>;
}

/** What API Gateway does with a request after its authorizer step. */
export type AuthorizerOutcome =
  | { kind: "allow"; principalId: string; context: AuthorizerContext; cached: boolean }
  | { kind: "unauthorized" }
  | { kind: "deny"; explicit: boolean }
  | { kind: "configuration-error"; reason: string };

/** Most entries the result cache keeps; the oldest go first (a bound on memory, not a behaviour). */
const MAX_CACHE_ENTRIES = 10_000;

/**
 * API Gateway's authorizer result cache: the policy and context an authorizer returned, keyed by the
 * identity source values, kept for the TTL. A cached policy is evaluated again against each new
 * `methodArn`, which is why an authorizer must name every ARN it allows, not only the one it was called for
 * (https://docs.aws.amazon.com/apigateway/latest/developerguide/configure-api-gateway-lambda-authorization.html).
 * Errors (401, 500) are not cached.
 */
export class AuthorizerResultCache {
  private readonly entries = new Map<string, { policy: AuthorizerPolicy; expiresAtMs: number }>();

  constructor(
    private readonly ttlSeconds: number,
    private readonly nowMs: () => number = Date.now,
  ) {
    if (!Number.isInteger(ttlSeconds) || ttlSeconds < 0 || ttlSeconds > 3600) {
      throw new RangeError(`authorizer result TTL must be 0..3600 seconds, got ${ttlSeconds}`);
    }
  }

  /** The cached policy for `key`, if one is younger than the TTL. */
  get(key: string): AuthorizerPolicy | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (this.nowMs() >= entry.expiresAtMs) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.policy;
  }

  /** Stores `policy` for `key` for the TTL (no-op when the TTL is 0). */
  set(key: string, policy: AuthorizerPolicy): void {
    if (this.ttlSeconds === 0) return;
    if (this.entries.size >= MAX_CACHE_ENTRIES) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(key, { policy, expiresAtMs: this.nowMs() + this.ttlSeconds * 1000 });
  }

  /** Drops every entry (API Gateway's "flush authorizer cache"). */
  clear(): void {
    this.entries.clear();
  }
}

/**
 * The identity source values of a request joined into a cache key, or `undefined` when one is missing or
 * empty (API Gateway then answers 401 without invoking the authorizer).
 * @param header case-insensitive header lookup.
 */
export function identitySourceKey(
  identityHeaders: readonly string[],
  header: (name: string) => string | undefined,
): string | undefined {
  const values: string[] = [];
  for (const name of identityHeaders) {
    const value = header(name);
    if (value === undefined || value.trim() === "") return undefined;
    values.push(value);
  }
  return JSON.stringify(values);
}

/**
 * Checks an authorizer's return value the way API Gateway does: a string `principalId`, a `policyDocument`
 * object with statements, and a flat context. Anything else is API Gateway's
 * `AuthorizerConfigurationException` (500).
 * @returns the policy, or a reason string for the configuration error.
 */
export function validateAuthorizerResponse(value: unknown): AuthorizerPolicy | string {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return "response is not an object";
  const response = value as Record<string, unknown>;
  if (typeof response.principalId !== "string") return "principalId is missing or not a string";
  const doc = response.policyDocument;
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) return "policyDocument is not an object";
  if (!("Statement" in doc)) return "policyDocument has no Statement";
  const context: AuthorizerContext = nameMap();
  if (response.context !== undefined && response.context !== null) {
    if (typeof response.context !== "object" || Array.isArray(response.context))
      return "context is not an object";
    for (const [key, v] of Object.entries(response.context as Record<string, unknown>)) {
      if (typeof v !== "string" && typeof v !== "number" && typeof v !== "boolean") {
        return `context value "${key}" is not a string, number or boolean`;
      }
      context[key] = v;
    }
  }
  return { principalId: response.principalId, policyDocument: doc, context };
}

/**
 * Runs the authorizer step of one request: identity source check, cache lookup, invocation, response
 * validation, then IAM policy evaluation against this request's `methodArn` (explicit Deny wins).
 * Fails closed: only a policy that evaluates to Allow lets the request through.
 * @param buildEvent builds the authorizer event; called only when the function is invoked.
 */
export async function authorize(
  authorizer: RequestAuthorizer,
  cache: AuthorizerResultCache,
  header: (name: string) => string | undefined,
  methodArn: string,
  buildEvent: () => APIGatewayRequestAuthorizerEvent,
): Promise<AuthorizerOutcome> {
  const key = identitySourceKey(authorizer.identityHeaders, header);
  if (key === undefined) return { kind: "unauthorized" };
  let policy = cache.get(key);
  const cached = policy !== undefined;
  if (!policy) {
    let response: unknown;
    try {
      response = await authorizer.invoke(buildEvent());
    } catch (err) {
      if (err instanceof Error && err.message === "Unauthorized") return { kind: "unauthorized" };
      return { kind: "configuration-error", reason: `authorizer failed: ${describe(err)}` };
    }
    const validated = validateAuthorizerResponse(response);
    if (typeof validated === "string") return { kind: "configuration-error", reason: validated };
    policy = validated;
    cache.set(key, policy);
  }
  const decision = evaluatePolicy(policy.policyDocument, methodArn);
  if (decision === "Allow") {
    return { kind: "allow", principalId: policy.principalId, context: policy.context, cached };
  }
  return { kind: "deny", explicit: decision === "Deny" };
}

function describe(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return String(err);
}
