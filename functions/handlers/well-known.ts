import type { Logger } from "@aws-lambda-powertools/logger";
import type { APIGatewayProxyEvent } from "aws-lambda";
import { jsonResponse, problemResponse } from "../adapters/http/problem-details.js";
import type { RestHandler } from "../adapters/http/rest-handler.js";
import { restEntry } from "../adapters/lambda/lazy-entry.js";
import { createLogger } from "../adapters/logging/logger.js";
import { type WellKnownDependencies, wellKnownDepsFromEnvironment } from "../composition/tokens.js";
import { NotFoundError, ValidationError } from "../domain/errors.js";
import { authorizationServerMetadata, publishJwks } from "../use-cases/publish-keys.js";

const logger = createLogger("jit-well-known");

/** Route paths (docs/http-api.md). */
export const JWKS_PATH = "/.well-known/jwks.json";
export const METADATA_PATH = "/.well-known/oauth-authorization-server";

/**
 * How long verifiers and caches may keep these documents, seconds. A retired key must stay published for
 * at least the longest token lifetime plus this (docs/tokens.md, rotation).
 */
export const WELL_KNOWN_MAX_AGE_SECONDS = 300;

/**
 * Public `GET /.well-known/jwks.json` (RFC 7517 JWK Set: current and previous keys, current first) and
 * `GET /.well-known/oauth-authorization-server` (RFC 8414 metadata), both with
 * `cache-control: public, max-age=300`. No identity is needed. Another path is a 404 and another method a
 * 400 problem document; a KMS outage is a 503 `unavailable` with `Retry-After` and another key source
 * failure a logged 500, both `no-store`, never a partial set.
 */
export function createWellKnownHandler(deps: WellKnownDependencies, log: Logger = logger): RestHandler {
  return async (event, context) => {
    if (context) log.addContext(context);
    const route = routeOf(event);
    try {
      if (event.httpMethod !== "GET" && event.httpMethod !== "HEAD") {
        throw new ValidationError(`${event.httpMethod} is not supported here; use GET.`, { field: "method" });
      }
      let body: unknown;
      if (route === JWKS_PATH) body = await publishJwks(deps.keys);
      else if (route === METADATA_PATH) body = authorizationServerMetadata(deps.issuer);
      else throw new NotFoundError(`No well-known document at ${event.path}.`);
      return jsonResponse(200, body, { "cache-control": `public, max-age=${WELL_KNOWN_MAX_AGE_SECONDS}` });
    } catch (err) {
      const { response, unexpected } = problemResponse(err, event.path);
      const fields = { operation: "well-known", route: route ?? "", statusCode: response.statusCode };
      if (unexpected) log.error("well-known failed", { ...fields, error: err as Error });
      else log.info("well-known refused", fields);
      return response;
    }
  };
}

/**
 * The well-known path of an event: the API Gateway resource (`/.well-known/jwks.json`), or else the
 * request path's ending, so a stage or base path prefix does not matter.
 */
function routeOf(event: Pick<APIGatewayProxyEvent, "resource" | "path">): string | undefined {
  for (const candidate of [event.resource, event.path]) {
    if (typeof candidate !== "string") continue;
    if (candidate.endsWith(JWKS_PATH)) return JWKS_PATH;
    if (candidate.endsWith(METADATA_PATH)) return METADATA_PATH;
  }
  return undefined;
}

/** Lambda entry (REST proxy, public). Dependencies are built from the environment on the first call. */
export const handler = restEntry(() => createWellKnownHandler(wellKnownDepsFromEnvironment()), logger);
