import type { Logger } from "@aws-lambda-powertools/logger";
import { createRestHandler, type RestHandler } from "../adapters/http/rest-handler.js";
import { restEntry } from "../adapters/lambda/lazy-entry.js";
import { createLogger } from "../adapters/logging/logger.js";
import { workflowDepsFromEnvironment } from "../composition/workflow.js";
import { ValidationError } from "../domain/errors.js";
import {
  listActiveGrants,
  listMyRequests,
  listPendingForApprover,
  listUnreviewedBreakGlass,
} from "../use-cases/list-requests.js";
import { toRequestView } from "../use-cases/request-view.js";
import type { WorkflowDeps } from "../use-cases/workflow-deps.js";

const logger = createLogger("jit-list-requests");

/** The lists of `GET /requests`, each named by its query parameter. */
const LISTS = ["mine", "pending", "active", "breakGlass"] as const;

/**
 * `GET /requests?mine` (the caller's live requests; `?mine&all` adds finished ones),
 * `GET /requests?pending` (requests the caller can approve now), `GET /requests?active` (live grants the
 * caller oversees) and `GET /requests?breakGlass&unreviewed` (break-glass grants awaiting review)
 * → 200 `{ requests: RequestView[] }`. Exactly one list must be named.
 */
export function createListRequestsHandler(deps: WorkflowDeps, log: Logger = logger): RestHandler {
  return createRestHandler({
    operation: "list-requests",
    logger: log,
    handle: async ({ caller, query }) => {
      const named = LISTS.filter((name) => Object.hasOwn(query, name));
      const list = named[0];
      if (list === undefined || named.length > 1) {
        throw new ValidationError(
          "Give exactly one of the query parameters mine, pending, active or breakGlass&unreviewed.",
          { field: named[1] ?? "mine" },
        );
      }
      if (list !== "mine" && Object.hasOwn(query, "all")) {
        throw new ValidationError("The query parameter all applies only to ?mine.", { field: "all" });
      }
      const unreviewed = Object.hasOwn(query, "unreviewed");
      if (list === "breakGlass" && !unreviewed) {
        throw new ValidationError(
          "?breakGlass lists unreviewed grants only: ask for ?breakGlass&unreviewed.",
          {
            field: "unreviewed",
          },
        );
      }
      if (list !== "breakGlass" && unreviewed) {
        throw new ValidationError("The query parameter unreviewed applies only to ?breakGlass.", {
          field: "unreviewed",
        });
      }
      const requests =
        list === "mine"
          ? await listMyRequests(deps, caller, { all: Object.hasOwn(query, "all") })
          : list === "pending"
            ? await listPendingForApprover(deps, caller)
            : list === "active"
              ? await listActiveGrants(deps, caller)
              : await listUnreviewedBreakGlass(deps, caller);
      const nowMs = deps.clock.nowMs();
      return {
        statusCode: 200,
        body: { requests: requests.map((r) => toRequestView(r, deps.policy, nowMs)) },
        outcome: "listed",
        logFields: { list, count: requests.length },
      };
    },
  });
}

/** Lambda entry (REST proxy). Dependencies are built from the environment on the first call. */
export const handler = restEntry(
  () => createListRequestsHandler(workflowDepsFromEnvironment(logger)),
  logger,
);
