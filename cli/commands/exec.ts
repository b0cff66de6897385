import { spawn } from "node:child_process";
import { mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { constants, tmpdir } from "node:os";
import { join } from "node:path";
import type { Command } from "commander";
import { decodeJwt } from "jose";
import type { TokenResponse } from "../api-types.js";
import type { CliContext } from "../context.js";
import { ApiError, CliError, UnreachableError } from "../errors.js";
import type { JitApiClient } from "../http-client.js";

/** Environment variables `jit exec` gives the command (README, "jit exec"). */
export const EXEC_ENV = {
  /** The first access token (a child's environment cannot change later: read the file for fresh ones). */
  token: "JIT_ACCESS_TOKEN",
  /** `Bearer <first access token>`, ready for an Authorization header. */
  authorization: "JIT_AUTHORIZATION",
  /** Path of a file that always holds the current access token; refreshed before each token expires. */
  tokenFile: "JIT_ACCESS_TOKEN_FILE",
  /** The grant's request id. */
  requestId: "JIT_REQUEST_ID",
} as const;

/** A token is renewed when this share of its lifetime (`expires_in`) has passed, but no sooner than 1 s. */
export const REFRESH_AT_FRACTION = 0.8;
const MIN_REFRESH_MS = 1_000;
const FORWARDED_SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;

/** Registers `jit exec`. */
export function registerExecCommand(program: Command, context: (command: Command) => CliContext): void {
  program
    .command("exec")
    .description(
      `run a command with an access token of the grant: ${EXEC_ENV.token}, ${EXEC_ENV.authorization} and ` +
        `${EXEC_ENV.tokenFile} (a file kept fresh while the command runs); exits with the command's exit code`,
    )
    .argument("<id>", "request id of an approved grant")
    .argument("<command...>", "the command and its arguments, after --")
    .usage("[options] <id> -- <command...>")
    .action(async (id: string, argv: string[], _opts: unknown, command: Command) => {
      const ctx = context(command);
      const client = ctx.client();
      const first = await client.issueToken(id);
      ctx.result.exitCode = await runWithToken(client, id, first, argv, ctx.output.stderr);
    });
}

/**
 * Runs `argv` with the token in its environment and a token file renewed in the background until the
 * grant ends. Renewal stops when the API refuses (grant revoked or expired) or when a new token would not
 * outlive the current one (the grant's `expiresAt` caps every token's `exp`). SIGINT, SIGTERM and SIGHUP
 * are passed on to the command. The token directory (mode 0700, file 0600) is removed when the command ends.
 * @returns the command's exit code, or 128 + the signal number when a signal ended it (as shells report).
 * @throws CliError exit 127 when the command cannot be found, 126 when it cannot be run.
 */
export async function runWithToken(
  client: JitApiClient,
  id: string,
  first: TokenResponse,
  argv: string[],
  log: NodeJS.WritableStream,
): Promise<number> {
  const [file, ...args] = argv;
  if (file === undefined) throw new CliError("exec needs a command after --", 2);
  const dir = mkdtempSync(join(tmpdir(), "jit-exec-"));
  const tokenFile = join(dir, "access-token");
  const note = (text: string) => log.write(`jit: ${text}\n`);
  let timer: NodeJS.Timeout | undefined;
  let done = false;
  const cleanup = () => {
    done = true;
    if (timer) clearTimeout(timer);
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    writeToken(tokenFile, first.access_token);
  } catch (err) {
    cleanup();
    throw err;
  }
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    [EXEC_ENV.token]: first.access_token,
    [EXEC_ENV.authorization]: `Bearer ${first.access_token}`,
    [EXEC_ENV.tokenFile]: tokenFile,
    [EXEC_ENV.requestId]: id,
  };
  // The command gets the grant's access token, never the person's identity token.
  delete env.JIT_ID_TOKEN;

  let current = { exp: expOf(first.access_token), expiresInMs: first.expires_in * 1000, at: Date.now() };
  const schedule = (delayMs: number) => {
    if (done) return;
    timer = setTimeout(refresh, Math.max(MIN_REFRESH_MS, delayMs));
  };
  const refresh = async () => {
    try {
      const next = await client.issueToken(id);
      if (done) return;
      const exp = expOf(next.access_token);
      writeToken(tokenFile, next.access_token);
      const previousExp = current.exp;
      current = { exp, expiresInMs: next.expires_in * 1000, at: Date.now() };
      if (exp !== undefined && previousExp !== undefined && exp <= previousExp) {
        note(`the grant ends at ${new Date(exp * 1000).toISOString()}; the token is no longer renewed`);
        return;
      }
      schedule(current.expiresInMs * REFRESH_AT_FRACTION);
    } catch (err) {
      if (done) return;
      const transient = err instanceof UnreachableError || (err instanceof ApiError && err.status >= 500);
      const left = current.at + current.expiresInMs - Date.now();
      if (transient && left > MIN_REFRESH_MS) {
        note(`cannot renew the access token yet (${(err as Error).message}); retrying`);
        schedule(Math.min(5_000, left / 2));
        return;
      }
      note(
        `cannot renew the access token: ${(err as Error).message}` +
          `${err instanceof ApiError && err.code ? ` (${err.code})` : ""}; the command keeps the current token until it expires`,
      );
    }
  };
  schedule(current.expiresInMs * REFRESH_AT_FRACTION);

  return await new Promise<number>((resolve, reject) => {
    const child = spawn(file, args, { stdio: "inherit", env });
    const forward = (signal: NodeJS.Signals) => () => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    };
    const handlers = FORWARDED_SIGNALS.map((signal) => [signal, forward(signal)] as const);
    for (const [signal, handler] of handlers) process.on(signal, handler);
    const finish = () => {
      for (const [signal, handler] of handlers) process.off(signal, handler);
      cleanup();
    };
    child.once("error", (err: NodeJS.ErrnoException) => {
      finish();
      if (err.code === "ENOENT") reject(new CliError(`cannot run "${file}": command not found`, 127));
      else reject(new CliError(`cannot run "${file}": ${err.message}`, 126));
    });
    child.once("exit", (code, signal) => {
      finish();
      if (code !== null) resolve(code);
      else resolve(128 + (signal ? (constants.signals[signal] ?? 0) : 0));
    });
  });
}

/** Replaces the token file atomically (write a 0600 temporary file, then rename), so readers never see half a token. */
function writeToken(path: string, token: string): void {
  const temporary = `${path}.tmp`;
  writeFileSync(temporary, token, { mode: 0o600 });
  renameSync(temporary, path);
}

/** The token's `exp` (epoch seconds), read without verification only to know when renewal stops helping. */
function expOf(token: string): number | undefined {
  try {
    const { exp } = decodeJwt(token);
    return typeof exp === "number" ? exp : undefined;
  } catch {
    return undefined;
  }
}
