import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";

/**
 * Writes a policy as the JSON file the Lambdas read (`JIT_POLICY_FILE`), as infra bundles it.
 * @param source `{ file }` a YAML/JSON policy file, or `{ yaml }` its text.
 * @returns the JSON file's path (in a fresh temp directory).
 */
export function lambdaPolicyJsonFile(source: { file: string } | { yaml: string }): string {
  const text = "file" in source ? readFileSync(source.file, "utf8") : source.yaml;
  const path = join(mkdtempSync(join(tmpdir(), "jit-policy-")), "policy.json");
  writeFileSync(path, JSON.stringify(parseYaml(text)));
  return path;
}
