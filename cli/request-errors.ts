import type { EntitlementView } from "./api-types.js";
import { closestMatch } from "./did-you-mean.js";
import { ApiError } from "./errors.js";
import { displayText } from "./format.js";

/** The `jit request` option that carries each `POST /requests` body field. */
export const REQUEST_OPTION_BY_FIELD: Readonly<Record<string, string>> = {
  entitlement: "<entitlement>",
  duration: "--for",
  durationSeconds: "--for",
  justification: "--reason",
  ticket: "--ticket",
  startsAt: "--start",
};

/**
 * Rewords a refusal of `POST /requests` in the CLI's terms: the option a person typed instead of the API's
 * field name (`--reason is required for orders-admin` rather than `justification: "orders-admin" requires
 * a justification`), and, for an unknown entitlement, the closest one the caller may request ("did you
 * mean orders-admin?", edit distance in cli/did-you-mean.ts).
 * @param err the API's refusal; returned unchanged when it is not about a body field or the entitlement.
 * @param entitlement the entitlement id as typed.
 * @param listEntitlements looks up the entitlements the caller may request (only for `unknown_entitlement`;
 *   a failure there leaves the suggestion out).
 * @returns an ApiError with the same status, code and problem document and a reworded message.
 */
export async function requestErrorInCliTerms(
  err: unknown,
  entitlement: string,
  listEntitlements: () => Promise<EntitlementView[]>,
): Promise<unknown> {
  if (!(err instanceof ApiError) || err.problem === undefined) return err;
  const reword = (message: string) => new ApiError(err.status, message, err.code, err.problem);
  const name = displayText(entitlement);
  if (err.code === "unknown_entitlement") {
    const ids = await listEntitlements().then(
      (list) => list.map((e) => e.id),
      () => [] as string[],
    );
    const guess = closestMatch(entitlement, ids);
    return reword(
      `unknown entitlement "${name}"` +
        (guess === undefined ? "" : `; did you mean ${displayText(guess)}?`) +
        " (`jit entitlements` lists the ones you may request)",
    );
  }
  const field = typeof err.problem.field === "string" ? err.problem.field : undefined;
  const option = field === undefined ? undefined : REQUEST_OPTION_BY_FIELD[field];
  if (field === undefined || option === undefined) return err;
  const problems = Array.isArray(err.problem.errors)
    ? (err.problem.errors as { field?: unknown; message?: unknown }[])
    : undefined;
  if (problems && problems.length > 0) {
    // A body that failed the API's schema: one clause per field, each named by its option.
    return reword(
      problems
        .map((p) => `${REQUEST_OPTION_BY_FIELD[String(p.field)] ?? String(p.field)} ${String(p.message)}`)
        .join("; "),
    );
  }
  const rest = err.message.startsWith(`${field}: `) ? err.message.slice(field.length + 2) : err.message;
  if (field === "justification" && /requires a justification/.test(rest)) {
    return reword(
      `--reason is required for ${name}: give a reason with visible text (blank or invisible characters alone do not count)`,
    );
  }
  const ticketRequired = /^"[^"]*" requires a ticket matching (.+)\.$/.exec(rest);
  if (field === "ticket" && ticketRequired) {
    return reword(`--ticket is required for ${name}: a ticket matching ${ticketRequired[1]}`);
  }
  const ticketMismatch = /^"(.*)" does not match the required pattern (.+)\.$/s.exec(rest);
  if (field === "ticket" && ticketMismatch) {
    return reword(
      `--ticket "${ticketMismatch[1]}" does not match ${ticketMismatch[2]}, the pattern ${name} requires`,
    );
  }
  return reword(`${option}: ${rest}`);
}
