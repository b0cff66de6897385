import type { Logger } from "@aws-lambda-powertools/logger";
import { createRestHandler, type RestHandler } from "../adapters/http/rest-handler.js";
import { restEntry } from "../adapters/lambda/lazy-entry.js";
import { createLogger } from "../adapters/logging/logger.js";
import { workflowDepsFromEnvironment } from "../composition/workflow.js";
import { getRequest } from "../use-cases/get-request.js";
import { toRequestView } from "../use-cases/request-view.js";
import type { WorkflowDeps } from "../use-cases/workflow-deps.js";

const logger = createLogger("jit-get-request");

/**
 * `GET /requests/{id}` → 200 RequestView (status EXPIRED when past its deadline or `expiresAt`) for the
 * requester, approvers of the entitlement and admins; 403 for others; 404 for an unknown id.
 */
export function createGetRequestHandler(deps: WorkflowDeps, log: Logger = logger): RestHandler {
  return createRestHandler({
    operation: "get-request",
    logger: log,
    pathId: true,
    handle: async ({ caller, id }) => {
      const request = await getRequest(deps, caller, id as string);
      return {
        statusCode: 200,
        body: toRequestView(request, deps.policy, deps.clock.nowMs()),
        outcome: "read",
      };
    },
  });
}

/** Lambda entry (REST proxy). Dependencies are built from the environment on the first call. */
export const handler = restEntry(() => createGetRequestHandler(workflowDepsFromEnvironment(logger)), logger);
