import type * as z from "zod/mini";

/**
 * The one rendering of zod validation issues for people: configuration errors (policy file, Lambda
 * environment, trusted keys) and 400 problem documents use the same field notation and messages.
 */

/** One field-level problem, as listed in a 400 problem document's `errors` member. */
export interface FieldProblem {
  /** Field path in the notation people write (`durationSeconds`, `approvals[0].comment`). */
  field: string;
  message: string;
}

/** `entitlements[2].minApprovals`: the field path in the notation people write; `(root)` for none. */
export function formatFieldPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`;
    else out += out === "" ? String(key) : `.${String(key)}`;
  }
  return out === "" ? "(root)" : out;
}

/** What is wrong, with unknown members named as people write them (`unknown field "x5u"`). */
export function issueMessage(issue: z.core.$ZodIssue): string {
  if (issue.code !== "unrecognized_keys") return issue.message;
  return `unknown field${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => `"${k}"`).join(", ")}`;
}

/** One issue as a {@link FieldProblem}; an unknown member's field is the member's own path. */
export function fieldProblem(issue: z.core.$ZodIssue): FieldProblem {
  const first = issue.code === "unrecognized_keys" ? issue.keys[0] : undefined;
  const path = first === undefined ? issue.path : [...issue.path, first];
  return { field: formatFieldPath(path), message: issueMessage(issue) };
}

/**
 * One line per issue, `  source: field.path: problem` (`  field.path: problem` without a source), an
 * unknown member reported on the object that holds it.
 * @param issues zod's `error.issues`.
 * @param source what was validated, e.g. the file path.
 */
export function formatIssues(issues: readonly z.core.$ZodIssue[], source?: string): string {
  const prefix = source === undefined ? "" : `${source}: `;
  return issues
    .map((issue) => `  ${prefix}${formatFieldPath(issue.path)}: ${issueMessage(issue)}`)
    .join("\n");
}
