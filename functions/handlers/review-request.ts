import type { Logger } from "@aws-lambda-powertools/logger";
import * as z from "zod/mini";
import { createRestHandler, type RestHandler } from "../adapters/http/rest-handler.js";
import { restEntry } from "../adapters/lambda/lazy-entry.js";
import { createLogger } from "../adapters/logging/logger.js";
import { workflowDepsFromEnvironment } from "../composition/workflow.js";
import { MAX_TEXT_LENGTH } from "../domain/policy-evaluation.js";
import { hasVisibleText } from "../domain/visible-text.js";
import { METRIC } from "../ports/operational-metrics.js";
import { toRequestView } from "../use-cases/request-view.js";
import { reviewRequest } from "../use-cases/review-request.js";
import type { WorkflowDeps } from "../use-cases/workflow-deps.js";

const logger = createLogger("jit-review-request");

/** Body of `POST /requests/{id}/review`: the reviewer's note is required (docs/http-api.md). */
export const ReviewBodySchema = z.strictObject({
  note: z
    .string({ error: "is required: say what the review found" })
    .check(
      z.trim(),
      z.minLength(1, "must not be empty"),
      z.maxLength(MAX_TEXT_LENGTH, `must be at most ${MAX_TEXT_LENGTH} characters`),
      z.refine(hasVisibleText, "must contain visible text, not only blank or invisible characters"),
    ),
});

/**
 * `POST /requests/{id}/review` `{note}` → 200 RequestView of the break-glass grant with `reviewedBy`,
 * `reviewedAt`, `reviewNote`. 403 for non-admins and the grant's requester, 409 `invalid_state` for a
 * request that is not break-glass, 409 `already_reviewed` for a second review.
 */
export function createReviewRequestHandler(deps: WorkflowDeps, log: Logger = logger): RestHandler {
  return createRestHandler({
    operation: "review-request",
    logger: log,
    body: ReviewBodySchema,
    pathId: true,
    handle: async ({ caller, id, body }) => {
      const request = await reviewRequest(deps, caller, id as string, body);
      return {
        statusCode: 200,
        body: toRequestView(request, deps.policy, deps.clock.nowMs()),
        outcome: "reviewed",
        metric: METRIC.breakGlassReviewed,
        subjectRequestId: request.requestId,
      };
    },
  });
}

/** Lambda entry (REST proxy). Dependencies are built from the environment on the first call. */
export const handler = restEntry(
  () => createReviewRequestHandler(workflowDepsFromEnvironment(logger)),
  logger,
);
