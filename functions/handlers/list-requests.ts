import type { Logger } from "@aws-lambda-powertools/logger";
import { openCursor, sealCursor } from "../adapters/cursor/list-cursor.js";
import { createRestHandler, type RestHandler } from "../adapters/http/rest-handler.js";
import { restEntry } from "../adapters/lambda/lazy-entry.js";
import { createLogger } from "../adapters/logging/logger.js";
import { cursorKeyFromEnvironment, workflowDepsFromEnvironment } from "../composition/workflow.js";
import { ValidationError } from "../domain/errors.js";
import type { CursorKeySource } from "../ports/cursor-key.js";
import {
  DEFAULT_LIST_LIMIT,
  LIST_LIMIT,
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
 * → 200 `{ requests: RequestView[], next? }`. Exactly one list must be named. Every list is paged
 * (docs/http-api.md, "Paging"): `limit` (1-100, default 50) bounds a page, and `next`, when present, is an
 * opaque cursor (HMAC-sealed with the list's name and the caller's `sub`) passed back as `&next=` for the
 * following page; a cursor that is altered, foreign or for another list is a 400 `invalid_cursor`.
 */
export function createListRequestsHandler(deps: ListRequestsDeps, log: Logger = logger): RestHandler {
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
      const all = Object.hasOwn(query, "all");
      // The cursor binds the list as asked, so a ?mine cursor cannot continue ?mine&all.
      const listName =
        list === "mine" && all ? "mine&all" : list === "breakGlass" ? "breakGlass&unreviewed" : list;
      const limit = pageLimit(query.limit);
      const key = await deps.cursorKey.key();
      const positions =
        query.next === undefined
          ? undefined
          : openCursor(key, query.next, { list: listName, sub: caller.sub });
      const pageRequest = { limit, positions };
      const page =
        list === "mine"
          ? await listMyRequests(deps, caller, { all }, pageRequest)
          : list === "pending"
            ? await listPendingForApprover(deps, caller, pageRequest)
            : list === "active"
              ? await listActiveGrants(deps, caller, pageRequest)
              : await listUnreviewedBreakGlass(deps, caller, pageRequest);
      const nowMs = deps.clock.nowMs();
      const next =
        page.next === undefined
          ? undefined
          : sealCursor(key, { list: listName, sub: caller.sub, positions: page.next });
      return {
        statusCode: 200,
        body: {
          requests: page.items.map((r) => toRequestView(r, deps.policy, nowMs)),
          ...(next === undefined ? {} : { next }),
        },
        outcome: "listed",
        logFields: { list, count: page.items.length, more: next !== undefined },
      };
    },
  });
}

/** The workflow's dependencies plus the key that seals `next` cursors. */
export interface ListRequestsDeps extends WorkflowDeps {
  cursorKey: CursorKeySource;
}

/**
 * The `limit` query parameter: a whole number 1-100, {@link DEFAULT_LIST_LIMIT} when absent.
 * @throws ValidationError (400, field `limit`) for anything else.
 */
function pageLimit(text: string | undefined): number {
  if (text === undefined) return DEFAULT_LIST_LIMIT;
  if (!/^[0-9]{1,3}$/.test(text) || Number(text) < 1 || Number(text) > LIST_LIMIT) {
    throw new ValidationError(`The query parameter limit must be a whole number from 1 to ${LIST_LIMIT}.`, {
      field: "limit",
    });
  }
  return Number(text);
}

/** Lambda entry (REST proxy). Dependencies are built from the environment on the first call. */
export const handler = restEntry(
  () =>
    createListRequestsHandler({
      ...workflowDepsFromEnvironment(logger),
      cursorKey: cursorKeyFromEnvironment(),
    }),
  logger,
);
