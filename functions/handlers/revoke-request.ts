import type { Logger } from "@aws-lambda-powertools/logger";
import * as z from "zod/mini";
import { createRestHandler, type RestHandler } from "../adapters/http/rest-handler.js";
import { restEntry } from "../adapters/lambda/lazy-entry.js";
import { createLogger } from "../adapters/logging/logger.js";
import { workflowDepsFromEnvironment } from "../composition/workflow.js";
import { MAX_TEXT_LENGTH } from "../domain/policy-evaluation.js";
import { METRIC } from "../ports/operational-metrics.js";
import { toRequestView } from "../use-cases/request-view.js";
import { revokeRequest } from "../use-cases/revoke-request.js";
import type { WorkflowDeps } from "../use-cases/workflow-deps.js";

const logger = createLogger("jit-revoke-request");

/** Body of `POST /requests/{id}/revoke` (may be empty). */
export const RevokeBodySchema = z.strictObject({
  reason: z.optional(
    z
      .string({ error: "must be a string" })
      .check(z.maxLength(MAX_TEXT_LENGTH, `must be at most ${MAX_TEXT_LENGTH} characters`)),
  ),
});

/**
 * `POST /requests/{id}/revoke` → 200 RequestView (REVOKED), answered only after REVOKED is stored;
 * repeating it answers 200 again without a second change. 403 for callers who are not the requester, an
 * approver of the entitlement or an admin (nothing changes); 409 for a request never granted; 410 for a
 * grant already past `expiresAt`.
 */
export function createRevokeRequestHandler(deps: WorkflowDeps, log: Logger = logger): RestHandler {
  return createRestHandler({
    operation: "revoke-request",
    logger: log,
    body: RevokeBodySchema,
    pathId: true,
    handle: async ({ caller, id, body }) => {
      const { request, changed } = await revokeRequest(deps, caller, id as string, body);
      return {
        statusCode: 200,
        body: toRequestView(request, deps.policy, deps.clock.nowMs()),
        outcome: changed ? "revoked" : "already_revoked",
        ...(changed ? { metric: METRIC.requestRevoked } : {}),
      };
    },
  });
}

/** Lambda entry (REST proxy). Dependencies are built from the environment on the first call. */
export const handler = restEntry(
  () => createRevokeRequestHandler(workflowDepsFromEnvironment(logger)),
  logger,
);
