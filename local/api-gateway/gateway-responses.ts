/**
 * API Gateway's own answers (gateway responses) for requests that never reach an integration, with the
 * bodies and `x-amzn-ErrorType` headers a REST API sends by default
 * (https://docs.aws.amazon.com/apigateway/latest/developerguide/supported-gateway-response-types.html).
 * Clients and tests match on these exact bodies, so they live in one place.
 */

/** A response the emulator sends. */
export interface GatewayResponse {
  statusCode: number;
  headers: Record<string, string | string[]>;
  body: Buffer;
}

/** The default gateway responses the emulator produces. */
export const GATEWAY_RESPONSES = {
  /** No route for this method and path (`MISSING_AUTHENTICATION_TOKEN`). */
  missingAuthenticationToken: {
    statusCode: 403,
    errorType: "MissingAuthenticationTokenException",
    message: "Missing Authentication Token",
  },
  /** Identity source missing, or the authorizer threw `Unauthorized` (`UNAUTHORIZED`). */
  unauthorized: { statusCode: 401, errorType: "UnauthorizedException", message: "Unauthorized" },
  /** The authorizer's policy explicitly denies this `methodArn` (`ACCESS_DENIED`). */
  explicitDeny: {
    statusCode: 403,
    errorType: "AccessDeniedException",
    message: "User is not authorized to access this resource with an explicit deny",
  },
  /** The authorizer's policy does not allow this `methodArn` (`ACCESS_DENIED`, implicit deny). */
  implicitDeny: {
    statusCode: 403,
    errorType: "AccessDeniedException",
    message: "User is not authorized to access this resource",
  },
  /** The authorizer crashed or returned something invalid (`AUTHORIZER_CONFIGURATION_ERROR`). */
  authorizerConfigurationError: {
    statusCode: 500,
    errorType: "AuthorizerConfigurationException",
    message: null,
  },
  /** The Lambda integration failed or returned a malformed proxy result (`DEFAULT_5XX`). */
  integrationFailure: {
    statusCode: 502,
    errorType: "InternalServerErrorException",
    message: "Internal server error",
  },
  /** The integration did not answer within the integration timeout (`INTEGRATION_TIMEOUT`). */
  integrationTimeout: { statusCode: 504, errorType: "", message: "Endpoint request timed out" },
  /** Body larger than the limit (`REQUEST_TOO_LARGE`). */
  requestTooLarge: { statusCode: 413, errorType: "", message: "Request Too Long" },
  /** A path parameter that is not valid percent-encoding (`BAD_REQUEST_PARAMETERS`). */
  badRequest: { statusCode: 400, errorType: "BadRequestException", message: "Bad request" },
} as const satisfies Record<string, { statusCode: number; errorType: string; message: string | null }>;

/** Names of {@link GATEWAY_RESPONSES}. */
export type GatewayResponseName = keyof typeof GATEWAY_RESPONSES;

/** Builds one of the gateway responses: `{"message": ...}` as JSON, with the request id header. */
export function gatewayResponse(name: GatewayResponseName, requestId: string): GatewayResponse {
  const spec = GATEWAY_RESPONSES[name];
  const headers: Record<string, string> = {
    "content-type": "application/json",
    "x-amzn-RequestId": requestId,
  };
  if (spec.errorType !== "") headers["x-amzn-ErrorType"] = spec.errorType;
  return {
    statusCode: spec.statusCode,
    headers,
    body: Buffer.from(JSON.stringify({ message: spec.message })),
  };
}
