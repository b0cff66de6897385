import type { Logger } from "@aws-lambda-powertools/logger";
import { createRestHandler, type RestHandler } from "../adapters/http/rest-handler.js";
import { restEntry } from "../adapters/lambda/lazy-entry.js";
import { createLogger } from "../adapters/logging/logger.js";
import { issueTokenDepsFromEnvironment } from "../composition/tokens.js";
import { METRIC } from "../ports/operational-metrics.js";
import { type IssueTokenDependencies, issueToken } from "../use-cases/issue-token.js";

const logger = createLogger("jit-issue-token");

/**
 * `POST /requests/{id}/token` → 201 `{access_token, token_type: "Bearer", expires_in}` (RFC 6749 §5.1)
 * with `cache-control: no-store` and `pragma: no-cache`, for the requester of an active grant.
 * 401 no identity, 400 malformed id, 404 unknown id, 403 not the requester, 409 `invalid_state`
 * (pending, denied, cancelled, revoked, not started), 410 `expired`; all RFC 9457 problem documents.
 * The log line records `jti`, `exp` and `kid`, never the token.
 */
export function createIssueTokenHandler(deps: IssueTokenDependencies, log: Logger = logger): RestHandler {
  return createRestHandler({
    operation: "issue-token",
    logger: log,
    pathId: true,
    handle: async ({ caller, id }) => {
      const issued = await issueToken(deps, { requestId: id as string, callerSub: caller.sub });
      return {
        statusCode: 201,
        body: {
          access_token: issued.accessToken,
          token_type: issued.tokenType,
          expires_in: issued.expiresIn,
        },
        headers: { "cache-control": "no-store", pragma: "no-cache" },
        outcome: "token_issued",
        metric: METRIC.tokenIssued,
        logFields: { jti: issued.jti, exp: issued.exp, kid: issued.kid },
      };
    },
  });
}

/** Lambda entry (REST proxy). Dependencies are built from the environment on the first call. */
export const handler = restEntry(() => createIssueTokenHandler(issueTokenDepsFromEnvironment()), logger);
