import type { Logger } from "@aws-lambda-powertools/logger";
import * as z from "zod/mini";
import { createRestHandler, type RestHandler } from "../adapters/http/rest-handler.js";
import { restEntry } from "../adapters/lambda/lazy-entry.js";
import { createLogger } from "../adapters/logging/logger.js";
import { workflowDepsFromEnvironment } from "../composition/workflow.js";
import { MAX_REQUESTABLE_DURATION_SECONDS, MAX_TEXT_LENGTH } from "../domain/policy-evaluation.js";
import { METRIC } from "../ports/operational-metrics.js";
import { extendGrant } from "../use-cases/extend-grant.js";
import { toRequestView } from "../use-cases/request-view.js";
import type { WorkflowDeps } from "../use-cases/workflow-deps.js";

const logger = createLogger("jit-extend-request");

/**
 * Body of `POST /requests/{id}/extend`: how much longer, as `duration` (ISO 8601) or `durationSeconds`
 * (exactly one), and a justification (required when the entitlement requires one).
 */
export const ExtendRequestBodySchema = z
  .strictObject({
    duration: z.optional(
      z
        .string({ error: 'must be an ISO 8601 duration string, e.g. "PT30M"' })
        .check(z.maxLength(64, "is too long")),
    ),
    durationSeconds: z.optional(
      z
        .number({ error: "must be a whole number of seconds, as a JSON number (not a string)" })
        .check(
          z.int("must be a whole number of seconds"),
          z.gte(1, "must be at least 1 second"),
          z.lte(
            MAX_REQUESTABLE_DURATION_SECONDS,
            `must be at most ${MAX_REQUESTABLE_DURATION_SECONDS} seconds (366 days); longer is a unit mistake`,
          ),
        ),
    ),
    justification: z.optional(
      z
        .string({ error: "must be a string" })
        .check(z.maxLength(MAX_TEXT_LENGTH, `must be at most ${MAX_TEXT_LENGTH} characters`)),
    ),
  })
  .check(
    z.refine((b) => b.duration === undefined || b.durationSeconds === undefined, {
      path: ["duration"],
      message: "give either duration (ISO 8601) or durationSeconds, not both",
    }),
  );

/**
 * `POST /requests/{id}/extend` → 201 with the extension request's view (`kind: "extension"`, `extends`,
 * `clamped` when the added time was cut to `maxDuration` or to what `extension.maxTotalDuration` leaves)
 * and a `Location` header; APPROVED with `extendedTo` when extensions are self-served. 403 for anyone but
 * the grant's requester or an entitlement without extension, 409 `invalid_state` for a grant that is not
 * live (revoked, pending), 409 `extension_limit` at the cap, 410 for an expired grant.
 */
export function createExtendRequestHandler(deps: WorkflowDeps, log: Logger = logger): RestHandler {
  return createRestHandler({
    operation: "extend-request",
    logger: log,
    body: ExtendRequestBodySchema,
    pathId: true,
    handle: async ({ caller, id, body }) => {
      const { extension, duration, grant } = await extendGrant(deps, caller, id as string, body);
      return {
        statusCode: 201,
        headers: { location: `/requests/${extension.requestId}` },
        body: {
          ...toRequestView(extension, deps.policy, deps.clock.nowMs()),
          clamped: duration.clamped,
          ...(duration.clamped ? { requestedDurationSeconds: duration.requestedDurationSeconds } : {}),
        },
        outcome: grant === undefined ? "extension_requested" : "extended",
        metric: grant === undefined ? METRIC.extensionRequested : METRIC.grantExtended,
        subjectRequestId: extension.requestId,
        logFields: { extends: id as string, clamped: duration.clamped },
      };
    },
  });
}

/** Lambda entry (REST proxy). Dependencies are built from the environment on the first call. */
export const handler = restEntry(
  () => createExtendRequestHandler(workflowDepsFromEnvironment(logger)),
  logger,
);
