import { readFileSync } from "node:fs";
import { ConfigurationError } from "../domain/errors.js";
import type { Policy } from "../domain/policy.js";
import { toPolicy } from "./policy.js";
import { PolicyFileSchema } from "./policy-schema.js";
import { formatIssues } from "./zod-issues.js";

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
      `Invalid policy configuration:\n${formatIssues(result.error.issues, source)}`,
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
