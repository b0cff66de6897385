import { readFileSync } from "node:fs";
import type * as z from "zod/mini";
import { ConfigurationError } from "../domain/errors.js";
import type { Policy } from "../domain/policy.js";
import { toPolicy } from "./policy.js";
import { PolicyFileSchema } from "./policy-schema.js";

/**
 * Validates a parsed policy document (the YAML/JSON file's value) and returns the {@link Policy}.
 * @param raw the document's value.
 * @param source a name for messages, usually the file path.
 * @throws ConfigurationError whose message lists every problem as `source: field.path: what is wrong`.
 */
export function validatePolicyDocument(raw: unknown, source: string): Policy {
  const result = PolicyFileSchema.safeParse(raw);
  if (!result.success) {
    throw new ConfigurationError(
      `Invalid policy configuration:\n${formatIssues(source, result.error.issues)}`,
    );
  }
  return toPolicy(result.data);
}

/**
 * Reads and validates a policy file in JSON: what the Lambdas load at cold start (infra bundles the
 * validated policy as `policy.json`; the local stack writes the same). JSON only, so no YAML parser is
 * bundled into the Lambdas, where every module costs cold-start time.
 * @throws ConfigurationError naming the file, the field path and the problem.
 */
export function loadPolicyJsonFile(path: string): Policy {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw new ConfigurationError(`${path}: cannot read the policy as JSON: ${(err as Error).message}`, {
      cause: err,
    });
  }
  return validatePolicyDocument(raw, path);
}

/** `entitlements[2].minApprovals`: the field path in the notation people write. */
export function formatFieldPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`;
    else out += out === "" ? String(key) : `.${String(key)}`;
  }
  return out === "" ? "(root)" : out;
}

/**
 * One line per zod issue: `  source: field.path: problem`, with unknown members named as people write
 * them (`unknown field "x5u"`).
 */
export function formatIssues(source: string, issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .map((issue) => {
      const field = formatFieldPath(issue.path);
      const message =
        issue.code === "unrecognized_keys"
          ? `unknown field${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => `"${k}"`).join(", ")}`
          : issue.message;
      return `  ${source}: ${field}: ${message}`;
    })
    .join("\n");
}
