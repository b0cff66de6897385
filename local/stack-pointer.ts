import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { LOCAL_STACK_POINTER_FILE } from "#cli/endpoints.js";
import { configDir } from "#cli/session.js";

/**
 * The pointer `npm start` leaves in the `jit` CLI's config directory while it runs
 * (`$JIT_CONFIG_DIR`, else `$XDG_CONFIG_HOME/jit-access`, else `~/.config/jit-access`, file
 * `local-stack.json`): `{ endpointsFile, pid }`. With it, `jit` finds the running local stack from any
 * directory; a pointer whose pid no longer runs is ignored.
 * @returns the pointer's path.
 */
export function writeLocalStackPointer(endpointsFile: string, env: NodeJS.ProcessEnv = process.env): string {
  const dir = configDir(env);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const path = join(dir, LOCAL_STACK_POINTER_FILE);
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify({ endpointsFile, pid: process.pid }, null, 2)}\n`, {
    mode: 0o600,
  });
  renameSync(temporary, path);
  return path;
}

/** Removes the pointer if it is this process's (a newer stack's pointer is left alone). */
export function removeLocalStackPointer(env: NodeJS.ProcessEnv = process.env): void {
  const path = join(configDir(env), LOCAL_STACK_POINTER_FILE);
  try {
    const pointer = JSON.parse(readFileSync(path, "utf8")) as { pid?: unknown };
    if (pointer.pid !== process.pid) return;
  } catch {
    return;
  }
  rmSync(path, { force: true });
}
