import type { APIGatewayProxyEvent } from "aws-lambda";
import { corsPreflightHeaders, corsResponseHeaders } from "#functions/adapters/http/cors.js";
import {
  type AuthorizerContext,
  AuthorizerResultCache,
  authorize,
  type RequestAuthorizer,
} from "./authorizer.js";
import { type GatewayResponse, type GatewayResponseName, gatewayResponse } from "./gateway-responses.js";
import { type ApiLocation, methodArn } from "./method-arn.js";
import {
  buildProxyEvent,
  buildRequestAuthorizerEvent,
  type GatewayRequest,
  headerValue,
  nameMap,
  newRequestId,
  type RequestFacts,
} from "./proxy-event.js";
import { compileRoutes, matchRoute, type RouteDefinition, type RouteTable } from "./routes.js";

/** A Lambda proxy integration: gets the proxy event, resolves with the proxy result (or rejects). */
export type ProxyIntegration = (event: APIGatewayProxyEvent) => Promise<unknown>;

/** What a route runs: its integration, and the authorizer in front of it (none = public). */
export interface RestRoute {
  integration: ProxyIntegration;
  authorizer?: RequestAuthorizer;
}

/** One request's outcome, for logs. */
export interface RestApiAccessLog {
  method: string;
  path: string;
  statusCode: number;
  /** `principalId` the authorizer returned, when it allowed. */
  principalId?: string;
  /** Why the gateway answered itself (no route, 401, deny, authorizer fault), if it did. */
  gatewayReason?: string;
  durationMs: number;
}

/** A REST API (v1) as the emulator serves it. */
export interface RestApiDefinition {
  location: ApiLocation;
  routes: readonly RouteDefinition<RestRoute>[];
  /**
   * Integration timeout, milliseconds (API Gateway's default and maximum for REST APIs is 29 s).
   * On timeout the caller gets 504; the function keeps running, as in AWS.
   */
  integrationTimeoutMs: number;
  /** Called after each request; must not throw. */
  onRequest?: (entry: RestApiAccessLog) => void;
  /** Clock for the authorizer result cache, epoch milliseconds. */
  nowMs?: () => number;
  /**
   * CORS for one browser origin, as the CDK app configures API Gateway: an `OPTIONS` preflight on every
   * resource answered by the gateway itself, and the allow-origin header on every gateway response.
   * (Integration responses carry it from the Lambda, which reads `JIT_CONSOLE_ORIGIN`.)
   */
  cors?: { allowOrigin: string };
}

/**
 * The request pipeline of one REST API, without a transport: route match, authorizer (with its result
 * cache and IAM policy evaluation), Lambda proxy event, integration, proxy result mapping. The HTTP
 * server in server.ts feeds it; tests can call {@link RestApi.handle} directly.
 */
export class RestApi {
  private readonly table: RouteTable<RestRoute>;
  private readonly caches = new Map<RequestAuthorizer, AuthorizerResultCache>();

  constructor(private readonly definition: RestApiDefinition) {
    this.table = compileRoutes(definition.routes);
    for (const route of definition.routes) {
      const authorizer = route.target.authorizer;
      if (authorizer && !this.caches.has(authorizer)) {
        this.caches.set(authorizer, new AuthorizerResultCache(authorizer.resultTtlSeconds, definition.nowMs));
      }
    }
  }

  /** Drops every cached authorizer result (API Gateway's "flush authorizer cache"). */
  flushAuthorizerCache(): void {
    for (const cache of this.caches.values()) cache.clear();
  }

  /** Serves one request. Never rejects: every failure is one of API Gateway's answers. */
  async handle(request: GatewayRequest): Promise<GatewayResponse> {
    const started = Date.now();
    const requestId = newRequestId();
    const log: Omit<RestApiAccessLog, "statusCode" | "durationMs"> = {
      method: request.method,
      path: request.rawPath,
    };
    const finish = (response: GatewayResponse, extra: Partial<RestApiAccessLog> = {}): GatewayResponse => {
      this.definition.onRequest?.({
        ...log,
        ...extra,
        statusCode: response.statusCode,
        durationMs: Date.now() - started,
      });
      return response;
    };

    if (
      request.method === "OPTIONS" &&
      this.definition.cors !== undefined &&
      this.hasResource(request.rawPath)
    ) {
      // What API Gateway's mock integration for a CORS preflight answers: 204 and the allowed origin,
      // methods and headers, whoever asks (the browser compares the origin).
      return finish({
        statusCode: 204,
        headers: { ...corsPreflightHeaders(this.definition.cors.allowOrigin), "x-amzn-RequestId": requestId },
        body: Buffer.alloc(0),
      });
    }
    const match = matchRoute(this.table, request.method, request.rawPath);
    if (match === undefined) {
      return finish(this.gatewayResponse("missingAuthenticationToken", requestId), {
        gatewayReason: "no route",
      });
    }
    if (match === "bad-path") {
      return finish(this.gatewayResponse("badRequest", requestId), { gatewayReason: "bad path encoding" });
    }
    const facts: RequestFacts = {
      request,
      location: this.definition.location,
      resource: match.route.resource,
      pathParameters: match.pathParameters,
      requestId,
      receivedAtMs: started,
    };

    let authorizerContext: Record<string, string | number | boolean> | null = null;
    let principalId: string | undefined;
    const authorizer = match.route.target.authorizer;
    if (authorizer) {
      const cache = this.caches.get(authorizer) as AuthorizerResultCache;
      const arn = methodArn(this.definition.location, request.method, request.rawPath);
      const authorizerStarted = Date.now();
      const outcome = await authorize(
        authorizer,
        cache,
        (name) => headerValue(request.rawHeaders, name),
        arn,
        () => buildRequestAuthorizerEvent(facts),
      );
      switch (outcome.kind) {
        case "unauthorized":
          return finish(this.gatewayResponse("unauthorized", requestId), { gatewayReason: "unauthorized" });
        case "deny":
          return finish(this.gatewayResponse(outcome.explicit ? "explicitDeny" : "implicitDeny", requestId), {
            gatewayReason: outcome.explicit ? "explicit deny" : "implicit deny",
          });
        case "configuration-error":
          return finish(this.gatewayResponse("authorizerConfigurationError", requestId), {
            gatewayReason: `authorizer configuration error: ${outcome.reason}`,
          });
        case "allow":
          principalId = outcome.principalId;
          authorizerContext = integrationAuthorizerContext(
            outcome.principalId,
            outcome.context,
            outcome.cached ? 0 : Date.now() - authorizerStarted,
          );
      }
    }

    const event = buildProxyEvent(facts, authorizerContext);
    const result = await this.runIntegration(match.route.target.integration, event);
    if (result.kind === "timeout") {
      return finish(this.gatewayResponse("integrationTimeout", requestId), {
        principalId,
        gatewayReason: "integration timeout",
      });
    }
    if (result.kind === "failed") {
      return finish(this.gatewayResponse("integrationFailure", requestId), {
        principalId,
        gatewayReason: `integration failed: ${result.reason}`,
      });
    }
    const response = proxyResultToResponse(result.value, requestId);
    if (!response) {
      return finish(this.gatewayResponse("integrationFailure", requestId), {
        principalId,
        gatewayReason: "integration returned a malformed proxy result",
      });
    }
    return finish(response, { principalId });
  }

  /**
   * One of API Gateway's own answers (gateway responses), with the CORS allow-origin header when CORS is
   * configured, as infra/constructs/jit-api.ts sets it on every gateway response.
   */
  gatewayResponse(name: GatewayResponseName, requestId: string): GatewayResponse {
    const response = gatewayResponse(name, requestId);
    if (this.definition.cors === undefined) return response;
    return {
      ...response,
      headers: { ...response.headers, ...corsResponseHeaders(this.definition.cors.allowOrigin) },
    };
  }

  /** True when some route of any method has this path (the resources an OPTIONS method is added to). */
  private hasResource(rawPath: string): boolean {
    for (const method of ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"]) {
      const match = matchRoute(this.table, method, rawPath);
      if (match !== undefined && match !== "bad-path") return true;
    }
    return false;
  }

  private async runIntegration(
    integration: ProxyIntegration,
    event: APIGatewayProxyEvent,
  ): Promise<{ kind: "ok"; value: unknown } | { kind: "timeout" } | { kind: "failed"; reason: string }> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<{ kind: "timeout" }>((resolve) => {
      timer = setTimeout(() => resolve({ kind: "timeout" }), this.definition.integrationTimeoutMs);
    });
    try {
      const run = integration(event).then(
        (value) => ({ kind: "ok" as const, value }),
        (err: unknown) => ({
          kind: "failed" as const,
          reason: err instanceof Error ? `${err.name}: ${err.message}` : String(err),
        }),
      );
      return await Promise.race([run, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}

/**
 * `requestContext.authorizer` of the integration event: the authorizer's context plus `principalId` and
 * `integrationLatency` (ms the authorizer took; 0 from the cache). REST APIs hand context values to a
 * Lambda proxy integration as strings (`true` becomes `"true"`, `42` becomes `"42"`).
 */
export function integrationAuthorizerContext(
  principalId: string,
  context: AuthorizerContext,
  integrationLatencyMs: number,
): Record<string, string | number | boolean> {
  const out = nameMap<string | number | boolean>();
  for (const [key, value] of Object.entries(context)) out[key] = String(value);
  out.principalId = principalId;
  out.integrationLatency = integrationLatencyMs;
  return out;
}

/**
 * Maps a Lambda proxy result (`statusCode`, `headers`, `multiValueHeaders`, `body`, `isBase64Encoded`)
 * to the HTTP response; `undefined` when it is malformed (API Gateway answers 502).
 */
export function proxyResultToResponse(result: unknown, requestId: string): GatewayResponse | undefined {
  if (typeof result !== "object" || result === null || Array.isArray(result)) return undefined;
  const r = result as Record<string, unknown>;
  const status = r.statusCode;
  if (typeof status !== "number" || !Number.isInteger(status) || status < 100 || status > 599)
    return undefined;
  if (r.body !== undefined && r.body !== null && typeof r.body !== "string") return undefined;
  const headers = nameMap<string | string[]>();
  if (r.headers !== undefined && r.headers !== null) {
    if (typeof r.headers !== "object" || Array.isArray(r.headers)) return undefined;
    for (const [name, value] of Object.entries(r.headers as Record<string, unknown>)) {
      if (!["string", "number", "boolean"].includes(typeof value)) return undefined;
      headers[name] = String(value);
    }
  }
  if (r.multiValueHeaders !== undefined && r.multiValueHeaders !== null) {
    if (typeof r.multiValueHeaders !== "object" || Array.isArray(r.multiValueHeaders)) return undefined;
    for (const [name, values] of Object.entries(r.multiValueHeaders as Record<string, unknown>)) {
      if (!Array.isArray(values)) return undefined;
      headers[name] = values.map((v) => String(v));
    }
  }
  headers["x-amzn-RequestId"] = requestId;
  const text = typeof r.body === "string" ? r.body : "";
  const body = r.isBase64Encoded === true ? Buffer.from(text, "base64") : Buffer.from(text, "utf8");
  return { statusCode: status, headers, body };
}
