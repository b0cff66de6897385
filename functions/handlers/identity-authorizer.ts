import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent } from "aws-lambda";
import {
  allowPolicy,
  InvalidMethodArnError,
  wholeStageResource,
} from "../adapters/auth/api-gateway-policy.js";
import { bearerTokenFromHeaders } from "../adapters/auth/bearer-token.js";
import { IdentityTokenRejectedError } from "../adapters/auth/oidc-identity-verifier.js";
import { identityContext } from "../adapters/http/caller-identity.js";
import { authorizerEntry } from "../adapters/lambda/lazy-entry.js";
import { createLogger } from "../adapters/logging/logger.js";
import {
  type IdentityAuthorizerDeps,
  identityAuthorizerDepsFromEnvironment,
} from "../composition/identity.js";

/** A REST API REQUEST authorizer for the JIT API. */
export type IdentityAuthorizerHandler = (
  event: APIGatewayRequestAuthorizerEvent,
) => Promise<APIGatewayAuthorizerResult>;

/**
 * The JIT API's identity authorizer: verifies the OIDC ID token in `Authorization: Bearer <token>` and
 * returns an Allow on the whole stage (`…:apiId/stage/*\/*`, see `wholeStageResource`) with
 * `principalId` = `sub` and context `{ sub, groups }` (`identityContext`). Route-level authorization is the
 * handlers' job; this only proves who is calling.
 *
 * Every other outcome throws exactly `new Error("Unauthorized")`, which API Gateway turns into a 401
 * (https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-lambda-authorizer-output.html),
 * including faults such as an unreachable JWKS: nothing that is not a proven identity is allowed.
 * The token is never logged; the refusal reason and jose's error code are.
 */
export function createIdentityAuthorizerHandler(deps: IdentityAuthorizerDeps): IdentityAuthorizerHandler {
  return async (event) => {
    try {
      const resource = wholeStageResource(event.methodArn);
      const token = bearerTokenFromHeaders(event.headers, event.multiValueHeaders);
      const identity = await deps.verifier.verify(token);
      deps.logger.info("identity verified", { sub: identity.sub, groupCount: identity.groups.length });
      return allowPolicy(identity.sub, resource, identityContext(identity));
    } catch (err) {
      if (err instanceof IdentityTokenRejectedError) {
        const unavailable = err.reason === "jwks_unavailable" || err.reason === "discovery_unavailable";
        deps.logger[unavailable ? "error" : "warn"]("identity token refused", {
          reason: err.reason,
          ...(err.joseCode === undefined ? {} : { joseCode: err.joseCode }),
          ...(err.detail === undefined ? {} : { detail: err.detail }),
        });
      } else if (err instanceof InvalidMethodArnError) {
        deps.logger.error("identity authorizer event has an unusable methodArn", { reason: err.message });
      } else {
        deps.logger.error("identity authorizer fault; refusing", {
          errorName: err instanceof Error ? err.name : typeof err,
        });
      }
      throw new Error("Unauthorized");
    }
  };
}

/**
 * Lambda entry: builds its dependencies from the environment on the first call, once per container; while
 * they cannot be built every call is refused with `Unauthorized`, and the next call builds again.
 */
export const handler: IdentityAuthorizerHandler = authorizerEntry(
  () => createIdentityAuthorizerHandler(identityAuthorizerDepsFromEnvironment()),
  createLogger("jit-identity-authorizer"),
);
