import type { Logger } from "@aws-lambda-powertools/logger";
import * as z from "zod/mini";
import { createRestHandler, type RestHandler } from "../adapters/http/rest-handler.js";
import { restEntry } from "../adapters/lambda/lazy-entry.js";
import { createLogger } from "../adapters/logging/logger.js";
import { workflowDepsFromEnvironment } from "../composition/workflow.js";
import { MAX_TEXT_LENGTH } from "../domain/policy-evaluation.js";
import { hasVisibleText } from "../domain/visible-text.js";
import { METRIC } from "../ports/operational-metrics.js";
import { denyRequest } from "../use-cases/deny-request.js";
import { toRequestView } from "../use-cases/request-view.js";
import type { WorkflowDeps } from "../use-cases/workflow-deps.js";

const logger = createLogger("jit-deny-request");

/** Body of `POST /requests/{id}/deny`: a reason is required (docs/http-api.md). */
export const DenyBodySchema = z.strictObject({
  reason: z
    .string({ error: "is required: say why the request is denied" })
    .check(
      z.trim(),
      z.minLength(1, "must not be empty"),
      z.maxLength(MAX_TEXT_LENGTH, `must be at most ${MAX_TEXT_LENGTH} characters`),
      z.refine(hasVisibleText, "must contain visible text, not only blank or invisible characters"),
    ),
});

/**
 * `POST /requests/{id}/deny` → 200 RequestView (DENIED). 403 for the requester and non-approvers, 409 for
 * a request no longer PENDING (or a lost race), 410 past the approval deadline.
 */
export function createDenyRequestHandler(deps: WorkflowDeps, log: Logger = logger): RestHandler {
  return createRestHandler({
    operation: "deny-request",
    logger: log,
    body: DenyBodySchema,
    pathId: true,
    handle: async ({ caller, id, body }) => {
      const request = await denyRequest(deps, caller, id as string, body);
      return {
        statusCode: 200,
        body: toRequestView(request, deps.policy, deps.clock.nowMs()),
        outcome: "denied",
        metric: METRIC.requestDenied,
      };
    },
  });
}

/** Lambda entry (REST proxy). Dependencies are built from the environment on the first call. */
export const handler = restEntry(() => createDenyRequestHandler(workflowDepsFromEnvironment(logger)), logger);
