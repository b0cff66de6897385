import type { APIGatewayProxyEvent } from "aws-lambda";
import type * as z from "zod/mini";
import "../../config/zod-locale.js";
import { type FieldProblem, fieldProblem } from "../../config/zod-issues.js";
import { ValidationError } from "../../domain/errors.js";

/** Largest request body accepted, in bytes: every JIT API body is a few hundred bytes of JSON. */
export const MAX_BODY_BYTES = 16 * 1024;

/**
 * Reads the JSON body of a REST proxy event and validates it with `schema`.
 *
 * An absent or empty body is validated as `{}`, so schemas whose fields are all optional accept it and
 * schemas with required fields name the missing one.
 *
 * @param event API Gateway REST proxy event (`body`, `isBase64Encoded`).
 * @param schema zod schema of the body; use `z.strictObject` so unknown fields (e.g. a `requester` someone
 *   hoped would be trusted) are refused by name.
 * @returns the parsed, typed body.
 * @throws ValidationError `invalid_json` (400) when the body is not JSON or too large; `invalid_request`
 *   (400) when it fails the schema, with `details.field` (first offending field) and `details.errors`
 *   (every {@link FieldProblem}).
 */
export function parseJsonBody<S extends z.ZodMiniType>(
  event: Pick<APIGatewayProxyEvent, "body" | "isBase64Encoded">,
  schema: S,
): z.output<S> {
  const raw = readBodyValue(event);
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  const errors = result.error.issues.map(fieldProblem);
  const first = errors[0] ?? { field: "(root)", message: "is invalid" };
  const summary = errors.map((e) => `${e.field}: ${e.message}`).join("; ");
  throw new ValidationError(`Invalid request body: ${summary}`, { field: first.field, errors });
}

/**
 * The body's JSON value (`{}` when absent or empty).
 * @throws ValidationError `invalid_json` when it is not UTF-8 JSON; `invalid_request` when it exceeds
 *   {@link MAX_BODY_BYTES}.
 */
export function readBodyValue(event: Pick<APIGatewayProxyEvent, "body" | "isBase64Encoded">): unknown {
  let text = event.body ?? "";
  if (event.isBase64Encoded && text !== "") text = Buffer.from(text, "base64").toString("utf8");
  if (Buffer.byteLength(text, "utf8") > MAX_BODY_BYTES) {
    throw new ValidationError(
      `The request body is larger than ${MAX_BODY_BYTES} bytes; shorten the justification or other text fields.`,
      { field: "(body)", maxBytes: MAX_BODY_BYTES },
    );
  }
  if (text.trim() === "") return {};
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new ValidationError(
      `The request body is not valid JSON: ${(err as Error).message}`,
      { field: "(body)" },
      "invalid_json",
    );
  }
}
