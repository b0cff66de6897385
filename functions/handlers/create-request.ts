import type { Logger } from "@aws-lambda-powertools/logger";
import * as z from "zod/mini";
import { createRestHandler, type RestHandler, type RestReply } from "../adapters/http/rest-handler.js";
import { restEntry } from "../adapters/lambda/lazy-entry.js";
import { createLogger } from "../adapters/logging/logger.js";
import { workflowDepsFromEnvironment } from "../composition/workflow.js";
import { MAX_REQUESTABLE_DURATION_SECONDS, MAX_TEXT_LENGTH } from "../domain/policy-evaluation.js";
import { METRIC } from "../ports/operational-metrics.js";
import { createRequest } from "../use-cases/create-request.js";
import { toRequestView } from "../use-cases/request-view.js";
import type { WorkflowDeps } from "../use-cases/workflow-deps.js";

const logger = createLogger("jit-create-request");

/**
 * Body of `POST /requests`. `duration` (ISO 8601) and `durationSeconds` (a JSON integer) are mutually
 * exclusive; without either the entitlement's default applies. Unknown fields are refused by name: nothing
 * about the requester is taken from the body.
 */
export const CreateRequestBodySchema = z
  .strictObject({
    entitlement: z
      .string({ error: "is required: the id of an entitlement (see GET /entitlements)" })
      .check(z.minLength(1, "must not be empty")),
    duration: z.optional(
      z
        .string({ error: 'must be an ISO 8601 duration string, e.g. "PT1H"' })
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
    ticket: z.optional(
      z.string({ error: "must be a string" }).check(z.maxLength(200, "must be at most 200 characters")),
    ),
    startsAt: z.optional(
      z
        .string({ error: "must be an ISO 8601 date-time string, e.g. 2026-01-31T09:00:00Z" })
        .check(z.maxLength(64, "is too long")),
    ),
  })
  .check(
    z.refine((b) => b.duration === undefined || b.durationSeconds === undefined, {
      path: ["duration"],
      message: "give either duration (ISO 8601) or durationSeconds, not both",
    }),
  );

/**
 * `POST /requests` → 201 with the request view plus `clamped` (true when the asked duration exceeded
 * `maxDuration` and `durationSeconds` was shortened to it; then `requestedDurationSeconds` says what was
 * asked) and a `Location` header. Auto-approve and break-glass entitlements answer APPROVED at once; a
 * break-glass grant is logged at warn level as a broadcast for review.
 */
export function createCreateRequestHandler(deps: WorkflowDeps, log: Logger = logger): RestHandler {
  return createRestHandler({
    operation: "create-request",
    logger: log,
    body: CreateRequestBodySchema,
    handle: async ({ caller, body }): Promise<RestReply> => {
      const { request, duration } = await createRequest(deps, caller, body);
      const view = toRequestView(request, deps.policy, deps.clock.nowMs());
      const outcome = request.breakGlass
        ? "break_glass_granted"
        : request.autoApproved
          ? "auto_approved"
          : "requested";
      return {
        statusCode: 201,
        headers: { location: `/requests/${request.requestId}` },
        body: {
          ...view,
          clamped: duration.clamped,
          ...(duration.clamped ? { requestedDurationSeconds: duration.requestedDurationSeconds } : {}),
        },
        outcome,
        metric: request.breakGlass
          ? METRIC.breakGlassGranted
          : request.autoApproved
            ? METRIC.requestAutoApproved
            : METRIC.requestCreated,
        subjectRequestId: request.requestId,
        ...(request.breakGlass
          ? {
              logLevel: "warn" as const,
              logMessage: "BREAK-GLASS access granted: review required",
              logFields: {
                breakGlass: true,
                entitlement: request.entitlementId,
                expiresAt: request.expiresAt ?? "",
              },
            }
          : { logFields: { entitlement: request.entitlementId, clamped: duration.clamped } }),
      };
    },
  });
}

/** Lambda entry (REST proxy). Dependencies are built from the environment on the first call. */
export const handler = restEntry(
  () => createCreateRequestHandler(workflowDepsFromEnvironment(logger)),
  logger,
);
