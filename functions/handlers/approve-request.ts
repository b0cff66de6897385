import type { Logger } from "@aws-lambda-powertools/logger";
import * as z from "zod/mini";
import { createRestHandler, type RestHandler } from "../adapters/http/rest-handler.js";
import { restEntry } from "../adapters/lambda/lazy-entry.js";
import { createLogger } from "../adapters/logging/logger.js";
import { workflowDepsFromEnvironment } from "../composition/workflow.js";
import { MAX_TEXT_LENGTH } from "../domain/policy-evaluation.js";
import { METRIC } from "../ports/operational-metrics.js";
import { approveRequest } from "../use-cases/approve-request.js";
import { toRequestView } from "../use-cases/request-view.js";
import type { WorkflowDeps } from "../use-cases/workflow-deps.js";

const logger = createLogger("jit-approve-request");

/** Body of `POST /requests/{id}/approve` (may be empty). */
export const ApproveBodySchema = z.strictObject({
  comment: z.optional(
    z
      .string({ error: "must be a string" })
      .check(z.maxLength(MAX_TEXT_LENGTH, `must be at most ${MAX_TEXT_LENGTH} characters`)),
  ),
});

/**
 * `POST /requests/{id}/approve` → 200 RequestView (PENDING while more approvers are needed, APPROVED with
 * its grant window once `minApprovals` distinct approvers agreed). 403 `self_approval` for the requester,
 * 403 `forbidden` for non-approvers, 409 `already_approved` / `invalid_state` / `conflict`, 410 `expired`.
 */
export function createApproveRequestHandler(deps: WorkflowDeps, log: Logger = logger): RestHandler {
  return createRestHandler({
    operation: "approve-request",
    logger: log,
    body: ApproveBodySchema,
    pathId: true,
    handle: async ({ caller, id, body }) => {
      const { request, approved } = await approveRequest(deps, caller, id as string, body);
      return {
        statusCode: 200,
        body: toRequestView(request, deps.policy, deps.clock.nowMs()),
        outcome: approved ? "approved" : "approval_recorded",
        metric: !approved
          ? METRIC.approvalRecorded
          : request.kind === "extension"
            ? METRIC.grantExtended
            : METRIC.requestApproved,
      };
    },
  });
}

/** Lambda entry (REST proxy). Dependencies are built from the environment on the first call. */
export const handler = restEntry(
  () => createApproveRequestHandler(workflowDepsFromEnvironment(logger)),
  logger,
);
