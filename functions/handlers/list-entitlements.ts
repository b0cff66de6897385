import type { Logger } from "@aws-lambda-powertools/logger";
import { createRestHandler, type RestHandler } from "../adapters/http/rest-handler.js";
import { restEntry } from "../adapters/lambda/lazy-entry.js";
import { createLogger } from "../adapters/logging/logger.js";
import { workflowDepsFromEnvironment } from "../composition/workflow.js";
import { listEntitlements } from "../use-cases/list-entitlements.js";
import type { WorkflowDeps } from "../use-cases/workflow-deps.js";

const logger = createLogger("jit-list-entitlements");

/** `GET /entitlements` → 200 `{ entitlements: EntitlementView[] }`: those the caller may request now. */
export function createListEntitlementsHandler(deps: WorkflowDeps, log: Logger = logger): RestHandler {
  return createRestHandler({
    operation: "list-entitlements",
    logger: log,
    handle: async ({ caller }) => {
      const entitlements = listEntitlements(deps, caller);
      return {
        statusCode: 200,
        body: { entitlements },
        outcome: "listed",
        logFields: { count: entitlements.length },
      };
    },
  });
}

/** Lambda entry (REST proxy). Dependencies are built from the environment on the first call. */
export const handler = restEntry(
  () => createListEntitlementsHandler(workflowDepsFromEnvironment(logger)),
  logger,
);
