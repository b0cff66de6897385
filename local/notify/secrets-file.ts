import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** Name of the local stand-in for Secrets Manager: a JSON object, secret name → secret string. */
export const SECRETS_FILE_NAME = "secrets.json";

/** Path of the secrets file in `dataDir`. */
export function secretsFilePath(dataDir: string): string {
  return join(dataDir, SECRETS_FILE_NAME);
}

/** Every secret of the file (an empty object when there is no file). @throws Error when it is not a JSON object of strings. */
export function readSecretsFile(path: string): Record<string, string> {
  if (!existsSync(path)) return {};
  const parsed = JSON.parse(readFileSync(path, "utf8")) as unknown;
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new Error(`${path} must be a JSON object of secret name → string`);
  }
  return Object.fromEntries(
    Object.entries(parsed).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]),
  );
}

/** Writes the secrets file atomically, readable by its owner only. */
export function writeSecretsFile(path: string, secrets: Record<string, string>): void {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
  renameSync(temporary, path);
}
