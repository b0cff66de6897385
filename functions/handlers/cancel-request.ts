import type { Logger } from "@aws-lambda-powertools/logger";
import * as z from "zod/mini";
import { createRestHandler, type RestHandler } from "../adapters/http/rest-handler.js";
import { restEntry } from "../adapters/lambda/lazy-entry.js";
import { createLogger } from "../adapters/logging/logger.js";
import { workflowDepsFromEnvironment } from "../composition/workflow.js";
import { METRIC } from "../ports/operational-metrics.js";
import { cancelRequest } from "../use-cases/cancel-request.js";
import { toRequestView } from "../use-cases/request-view.js";
import type { WorkflowDeps } from "../use-cases/workflow-deps.js";

const logger = createLogger("jit-cancel-request");

/** Body of `POST /requests/{id}/cancel`: empty or `{}`. */
export const CancelBodySchema = z.strictObject({});

/**
 * `POST /requests/{id}/cancel` → 200 RequestView (CANCELLED). Requester only (403 otherwise); 409 when no
 * longer PENDING; 410 past the approval deadline.
 */
export function createCancelRequestHandler(deps: WorkflowDeps, log: Logger = logger): RestHandler {
  return createRestHandler({
    operation: "cancel-request",
    logger: log,
    body: CancelBodySchema,
    pathId: true,
    handle: async ({ caller, id }) => {
      const request = await cancelRequest(deps, caller, id as string);
      return {
        statusCode: 200,
        body: toRequestView(request, deps.policy, deps.clock.nowMs()),
        outcome: "cancelled",
        metric: METRIC.requestCancelled,
      };
    },
  });
}

/** Lambda entry (REST proxy). Dependencies are built from the environment on the first call. */
export const handler = restEntry(
  () => createCancelRequestHandler(workflowDepsFromEnvironment(logger)),
  logger,
);
