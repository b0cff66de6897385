import { readFileSync } from "node:fs";
import { parse as parseYaml } from "yaml";
import { ConfigurationError } from "../domain/errors.js";
import type { Policy } from "../domain/policy.js";
import { validatePolicyDocument } from "./policy-document.js";

/**
 * Parses policy text (YAML, or JSON, which is YAML) into the document's value, refusing duplicate keys.
 * Used by `cdk synth`, the local stack and the tests; the Lambdas read the validated JSON copy instead
 * (policy-document.ts `loadPolicyJsonFile`).
 * @throws ConfigurationError naming `source` when the text is not YAML/JSON.
 */
export function parsePolicyText(text: string, source: string): unknown {
  try {
    return parseYaml(text, { prettyErrors: true, uniqueKeys: true });
  } catch (err) {
    throw new ConfigurationError(`${source}: not valid YAML/JSON: ${(err as Error).message}`, { cause: err });
  }
}

/**
 * Validates policy text (YAML or JSON) and returns the {@link Policy}.
 * @param text the file's contents.
 * @param source a name for messages, usually the file path.
 * @throws ConfigurationError whose message lists every problem as `source: field.path: what is wrong`.
 */
export function parsePolicy(text: string, source: string): Policy {
  return validatePolicyDocument(parsePolicyText(text, source), source);
}

/**
 * Reads and validates the policy file at `path` (YAML or JSON).
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
