import { randomUUID } from "node:crypto";
import type {
  APIGatewayEventRequestContextWithAuthorizer,
  APIGatewayProxyEvent,
  APIGatewayRequestAuthorizerEvent,
} from "aws-lambda";
import { type ApiLocation, LOCAL_ACCOUNT_ID, methodArn } from "./method-arn.js";

/** An HTTP request as the emulator received it. */
export interface GatewayRequest {
  method: string;
  /** Path without the query string, percent-encoding kept. */
  rawPath: string;
  /** Query string without `?` ("" when none). */
  rawQuery: string;
  /** Node's `rawHeaders`: name, value, name, value… with the case the client used. */
  rawHeaders: readonly string[];
  /** The body as received (may be empty). */
  body: Buffer;
  sourceIp: string;
  /** `Host` header, e.g. `127.0.0.1:4000`. */
  host: string;
}

/** What is known about a request once its route matched: shared by the authorizer and proxy events. */
export interface RequestFacts {
  request: GatewayRequest;
  location: ApiLocation;
  /** The matched resource, e.g. `/requests/{id}`. */
  resource: string;
  pathParameters: Record<string, string> | null;
  requestId: string;
  /** Epoch milliseconds when the request arrived. */
  receivedAtMs: number;
}

/**
 * An empty record with no prototype. Header and query names are chosen by the caller, so a name such as
 * `__proto__`, `toString` or `constructor` must be an ordinary key, never an inherited member.
 */
export function nameMap<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}

/** A new API Gateway request id (a UUID, as `requestContext.requestId` holds). */
export function newRequestId(): string {
  return randomUUID();
}

/**
 * Single and multi-value headers as REST APIs give them: the last value of a repeated header in `headers`,
 * all of them in `multiValueHeaders`, names in the case the client sent; `null` when there are none.
 * The maps have no prototype ({@link nameMap}).
 */
export function headerMaps(rawHeaders: readonly string[]): {
  headers: Record<string, string> | null;
  multiValueHeaders: Record<string, string[]> | null;
} {
  if (rawHeaders.length === 0) return { headers: null, multiValueHeaders: null };
  const headers = nameMap<string>();
  const multi = nameMap<string[]>();
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i] as string;
    const value = rawHeaders[i + 1] as string;
    headers[name] = value;
    const list = multi[name] ?? [];
    list.push(value);
    multi[name] = list;
  }
  return { headers, multiValueHeaders: multi };
}

/**
 * Query parameters as REST APIs give them: decoded, the last value of a repeated name in
 * `queryStringParameters`, all of them in `multiValueQueryStringParameters`, `null` when there are none.
 * A bare name (`?mine`) has the value `""`. The maps have no prototype ({@link nameMap}).
 */
export function queryMaps(rawQuery: string): {
  queryStringParameters: Record<string, string> | null;
  multiValueQueryStringParameters: Record<string, string[]> | null;
} {
  const params = new URLSearchParams(rawQuery);
  const single = nameMap<string>();
  const multi = nameMap<string[]>();
  for (const [name, value] of params) {
    single[name] = value;
    const list = multi[name] ?? [];
    list.push(value);
    multi[name] = list;
  }
  if (Object.keys(single).length === 0) {
    return { queryStringParameters: null, multiValueQueryStringParameters: null };
  }
  return { queryStringParameters: single, multiValueQueryStringParameters: multi };
}

/** Case-insensitive header lookup (last value wins, as in `headers`). */
export function headerValue(rawHeaders: readonly string[], name: string): string | undefined {
  const wanted = name.toLowerCase();
  let found: string | undefined;
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    if ((rawHeaders[i] as string).toLowerCase() === wanted) found = rawHeaders[i + 1] as string;
  }
  return found;
}

/** `requestTime` in API Gateway's CLF format: `09/Apr/2015:12:34:56 +0000`. */
function requestTime(ms: number): string {
  const d = new Date(ms);
  const months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${pad(d.getUTCDate())}/${months[d.getUTCMonth()]}/${d.getUTCFullYear()}:${pad(d.getUTCHours())}:${pad(
    d.getUTCMinutes(),
  )}:${pad(d.getUTCSeconds())} +0000`;
}

function requestContext<A>(
  facts: RequestFacts,
  authorizer: A,
): APIGatewayEventRequestContextWithAuthorizer<A> {
  const { request, location } = facts;
  return {
    accountId: location.accountId ?? LOCAL_ACCOUNT_ID,
    apiId: location.apiId,
    authorizer,
    domainName: request.host,
    domainPrefix: request.host.split(".")[0] ?? request.host,
    extendedRequestId: facts.requestId,
    httpMethod: request.method,
    identity: {
      accessKey: null,
      accountId: null,
      apiKey: null,
      apiKeyId: null,
      caller: null,
      clientCert: null,
      cognitoAuthenticationProvider: null,
      cognitoAuthenticationType: null,
      cognitoIdentityId: null,
      cognitoIdentityPoolId: null,
      principalOrgId: null,
      sourceIp: request.sourceIp,
      user: null,
      userAgent: headerValue(request.rawHeaders, "user-agent") ?? null,
      userArn: null,
    },
    path: `/${location.stage}${request.rawPath}`,
    protocol: "HTTP/1.1",
    requestId: facts.requestId,
    requestTime: requestTime(facts.receivedAtMs),
    requestTimeEpoch: facts.receivedAtMs,
    resourceId: facts.resource,
    resourcePath: facts.resource,
    stage: location.stage,
  };
}

/**
 * The event of a REST API `REQUEST` Lambda authorizer
 * (https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-lambda-authorizer-input.html).
 */
export function buildRequestAuthorizerEvent(facts: RequestFacts): APIGatewayRequestAuthorizerEvent {
  const { request } = facts;
  return {
    type: "REQUEST",
    methodArn: methodArn(facts.location, request.method, request.rawPath),
    resource: facts.resource,
    path: request.rawPath,
    httpMethod: request.method,
    ...headerMaps(request.rawHeaders),
    ...queryMaps(request.rawQuery),
    pathParameters: facts.pathParameters,
    stageVariables: null,
    requestContext: requestContext(facts, undefined),
  };
}

/**
 * The event of a Lambda proxy integration of a REST API
 * (https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-lambda-proxy-integrations.html#api-gateway-simple-proxy-for-lambda-input-format).
 * @param authorizer the authorizer's context plus `principalId`, or `null` on a route without authorizer.
 */
export function buildProxyEvent(
  facts: RequestFacts,
  authorizer: Record<string, string | number | boolean> | null,
): APIGatewayProxyEvent {
  const { request } = facts;
  const { headers, multiValueHeaders } = headerMaps(request.rawHeaders);
  return {
    resource: facts.resource,
    path: request.rawPath,
    httpMethod: request.method,
    // Proxy events always carry header objects (empty when there are none), unlike authorizer events.
    headers: headers ?? nameMap<string>(),
    multiValueHeaders: multiValueHeaders ?? nameMap<string[]>(),
    ...queryMaps(request.rawQuery),
    pathParameters: facts.pathParameters,
    stageVariables: null,
    requestContext: requestContext(facts, authorizer),
    body: request.body.length === 0 ? null : request.body.toString("utf8"),
    isBase64Encoded: false,
  };
}
