import { randomBytes } from "node:crypto";
import {
  chmodSync,
  closeSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { z } from "zod";
import { UsageError } from "./errors.js";

/** One profile's stored identity. */
export interface SessionProfile {
  /** The OIDC identity token sent as `Authorization: Bearer` to the JIT API. */
  idToken: string;
  /** Origin of the JIT API the token was obtained for; it is never sent anywhere else. */
  endpoint: string;
  /** The token's `sub` (shown by `jit login`; the server trusts only the verified token). */
  subject?: string;
  /** When `jit login` saved it (ISO 8601). */
  savedAt: string;
  /**
   * The OAuth refresh token of a browser sign-in (`jit login` without `--user`/`--token`): exchanged for a
   * new identity token when the stored one expires. Never sent anywhere but the issuer's token endpoint.
   */
  refreshToken?: string;
  /** OIDC issuer the identity came from (browser sign-in), whose token endpoint renews it. */
  issuer?: string;
  /** OAuth client id the CLI signed in with at that issuer. */
  clientId?: string;
}

const ProfileSchema = z.object({
  idToken: z.string().min(1),
  endpoint: z.string().min(1),
  subject: z.string().optional(),
  savedAt: z.string(),
  refreshToken: z.string().min(1).optional(),
  issuer: z.string().min(1).optional(),
  clientId: z.string().min(1).optional(),
});

const SessionFileSchema = z.object({ profiles: z.record(z.string(), ProfileSchema) });

/** Profile names: what `--profile` / `JIT_PROFILE` accept. */
export const PROFILE_NAME = /^[A-Za-z0-9_-]{1,64}$/;
/** The profile used without `--profile` / `JIT_PROFILE`. */
export const DEFAULT_PROFILE = "default";
/** File name of the session store inside the config directory. */
export const SESSION_FILE = "session.json";

/**
 * The CLI's config directory: `$JIT_CONFIG_DIR`, else `$XDG_CONFIG_HOME/jit-access`, else
 * `~/.config/jit-access` (XDG Base Directory Specification).
 */
export function configDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.JIT_CONFIG_DIR) return env.JIT_CONFIG_DIR;
  const base = env.XDG_CONFIG_HOME || join(homedir(), ".config");
  return join(base, "jit-access");
}

/**
 * Reads every stored profile. A missing file is no profiles.
 * @throws UsageError (exit 2) when the file exists but is not a session file, naming the file.
 */
export function readProfiles(dir: string): Record<string, SessionProfile> {
  const path = join(dir, SESSION_FILE);
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return {};
    throw new UsageError(`cannot read ${path}: ${(err as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new UsageError(`${path} is not valid JSON; delete it and run \`jit login\` again`);
  }
  const result = SessionFileSchema.safeParse(parsed);
  if (!result.success) {
    throw new UsageError(`${path} is not a jit session file; delete it and run \`jit login\` again`);
  }
  return result.data.profiles;
}

/** The stored identity of one profile, or `undefined` when it never logged in. */
export function readProfile(dir: string, name: string): SessionProfile | undefined {
  return readProfiles(dir)[name];
}

/**
 * Stores (or with `undefined`, removes) one profile, keeping the others. The file is written to a temporary
 * file created with mode 0600 in a 0700 directory and renamed over the old one, so it is never readable
 * by other users, not even for a moment, and a crash cannot leave half a file.
 * @returns the path of the session file.
 */
export function writeProfile(dir: string, name: string, profile: SessionProfile | undefined): string {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const profiles = readProfiles(dir);
  if (profile === undefined) delete profiles[name];
  else profiles[name] = profile;
  const path = join(dir, SESSION_FILE);
  const temporary = join(dir, `.${SESSION_FILE}.${randomBytes(6).toString("hex")}.tmp`);
  try {
    writeFileSync(temporary, `${JSON.stringify({ profiles }, null, 2)}\n`, { mode: 0o600, flag: "wx" });
    chmodSync(temporary, 0o600);
    renameSync(temporary, path);
  } finally {
    rmSync(temporary, { force: true });
  }
  return path;
}

/** A lock older than this is left over from a process that died while holding it, milliseconds. */
const STALE_LOCK_MS = 30_000;
/** How long {@link withSessionLock} waits for another process's lock, milliseconds. */
const LOCK_WAIT_MS = 15_000;

/**
 * Runs `task` while holding the session file's lock (`session.json.lock`, created exclusively with mode
 * 0600), so two `jit` processes renewing the same profile at once do not both spend its refresh token:
 * providers that rotate refresh tokens treat the second use as a replay and revoke the sign-in. A lock
 * older than 30 s is taken over.
 * @throws UsageError when another process holds the lock for more than 15 s.
 */
export async function withSessionLock<T>(dir: string, task: () => Promise<T>): Promise<T> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const lock = join(dir, `${SESSION_FILE}.lock`);
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      closeSync(openSync(lock, "wx", 0o600));
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      let age = 0;
      try {
        age = Date.now() - statSync(lock).mtimeMs;
      } catch {
        continue;
      }
      if (age > STALE_LOCK_MS) {
        rmSync(lock, { force: true });
        continue;
      }
      if (Date.now() > deadline) {
        throw new UsageError(`${lock} is held by another jit process; try again, or delete it if none runs`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  try {
    return await task();
  } finally {
    rmSync(lock, { force: true });
  }
}
