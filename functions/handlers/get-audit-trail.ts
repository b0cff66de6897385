import type { Logger } from "@aws-lambda-powertools/logger";
import { createRestHandler, type RestHandler } from "../adapters/http/rest-handler.js";
import { restEntry } from "../adapters/lambda/lazy-entry.js";
import { createLogger } from "../adapters/logging/logger.js";
import { workflowDepsFromEnvironment } from "../composition/workflow.js";
import { getAuditTrail } from "../use-cases/get-request.js";
import type { WorkflowDeps } from "../use-cases/workflow-deps.js";

const logger = createLogger("jit-get-audit-trail");

/**
 * `GET /requests/{id}/audit` → 200 `{ requestId, events: AuditEvent[] }` (oldest first) for the requester,
 * approvers of the entitlement and admins; 403 for others; 404 for an unknown id.
 */
export function createGetAuditTrailHandler(deps: WorkflowDeps, log: Logger = logger): RestHandler {
  return createRestHandler({
    operation: "get-audit-trail",
    logger: log,
    pathId: true,
    handle: async ({ caller, id }) => {
      const events = await getAuditTrail(deps, caller, id as string);
      return {
        statusCode: 200,
        body: { requestId: id, events },
        outcome: "read",
        logFields: { count: events.length },
      };
    },
  });
}

/** Lambda entry (REST proxy). Dependencies are built from the environment on the first call. */
export const handler = restEntry(
  () => createGetAuditTrailHandler(workflowDepsFromEnvironment(logger)),
  logger,
);
