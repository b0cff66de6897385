import { readFileSync } from "node:fs";
import { parse as parseYaml } from "yaml";
import type * as z from "zod";
import { ConfigurationError } from "../domain/errors.js";
import { type Policy, toPolicy } from "./policy.js";
import { PolicyFileSchema } from "./policy-schema.js";

/**
 * Validates policy text (YAML or JSON, which is YAML) and returns the {@link Policy}.
 * @param text the file's contents.
 * @param source a name for messages, usually the file path.
 * @throws ConfigurationError whose message lists every problem as `source: field.path: what is wrong`.
 */
export function parsePolicy(text: string, source: string): Policy {
  let raw: unknown;
  try {
    raw = parseYaml(text, { prettyErrors: true, uniqueKeys: true });
  } catch (err) {
    throw new ConfigurationError(`${source}: not valid YAML/JSON: ${(err as Error).message}`, { cause: err });
  }
  const result = PolicyFileSchema.safeParse(raw);
  if (!result.success) {
    throw new ConfigurationError(
      `Invalid policy configuration:\n${formatIssues(source, result.error.issues)}`,
    );
  }
  return toPolicy(result.data);
}

/**
 * Reads and validates the policy file at `path`.
 * @throws ConfigurationError naming the file, the field path and the problem.
 */
export function loadPolicyFile(path: string): Policy {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new ConfigurationError(`${path}: cannot read policy file: ${(err as Error).message}`, {
      cause: err,
    });
  }
  return parsePolicy(text, path);
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

function formatIssues(source: string, issues: readonly z.core.$ZodIssue[]): string {
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
