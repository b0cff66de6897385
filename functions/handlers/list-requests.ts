import type { Logger } from "@aws-lambda-powertools/logger";
import { createRestHandler, type RestHandler } from "../adapters/http/rest-handler.js";
import { restEntry } from "../adapters/lambda/lazy-entry.js";
import { createLogger } from "../adapters/logging/logger.js";
import { workflowDepsFromEnvironment } from "../composition/workflow.js";
import { ValidationError } from "../domain/errors.js";
import { listMyRequests, listPendingForApprover } from "../use-cases/list-requests.js";
import { toRequestView } from "../use-cases/request-view.js";
import type { WorkflowDeps } from "../use-cases/workflow-deps.js";

const logger = createLogger("jit-list-requests");

/**
 * `GET /requests?mine` (the caller's live requests; `?mine&all` adds finished ones) and
 * `GET /requests?pending` (requests the caller can approve now) → 200 `{ requests: RequestView[] }`.
 * Exactly one of `mine` and `pending` must be given.
 */
export function createListRequestsHandler(deps: WorkflowDeps, log: Logger = logger): RestHandler {
  return createRestHandler({
    operation: "list-requests",
    logger: log,
    handle: async ({ caller, query }) => {
      const mine = query.mine !== undefined;
      const pending = query.pending !== undefined;
      if (mine === pending) {
        throw new ValidationError("Give exactly one of the query parameters mine or pending.", {
          field: mine ? "pending" : "mine",
        });
      }
      if (pending && query.all !== undefined) {
        throw new ValidationError("The query parameter all applies only to ?mine.", { field: "all" });
      }
      const requests = mine
        ? await listMyRequests(deps, caller, { all: query.all !== undefined })
        : await listPendingForApprover(deps, caller);
      const nowMs = deps.clock.nowMs();
      return {
        statusCode: 200,
        body: { requests: requests.map((r) => toRequestView(r, deps.policy, nowMs)) },
        outcome: "listed",
        logFields: { list: mine ? "mine" : "pending", count: requests.length },
      };
    },
  });
}

/** Lambda entry (REST proxy). Dependencies are built from the environment on the first call. */
export const handler = restEntry(
  () => createListRequestsHandler(workflowDepsFromEnvironment(logger)),
  logger,
);
