import type { Command } from "commander";
import { decodeJwt } from "jose";
import { type CliContext, checkedEnvironmentToken } from "../context.js";
import { CliError, EXIT } from "../errors.js";
import { displayText, formatFriendlyDuration } from "../format.js";
import { devIdpLogin } from "../http-client.js";
import { freshProfileToken } from "../renewal.js";
import { readProfile } from "../session.js";

/** How long each probe of `jit doctor` may take, milliseconds. */
const PROBE_TIMEOUT_MS = 5_000;
/** Clock differences above this many seconds are reported: tokens carry times checked with a small tolerance. */
const CLOCK_SKEW_WARN_SECONDS = 30;

/** One line of the `jit doctor` report. */
export interface DoctorCheck {
  check: string;
  status: "ok" | "warn" | "fail";
  detail: string;
  /** The exit code a failure of this check stands for. */
  exitCode?: number;
}

/** Registers `jit doctor`. */
export function registerDoctorCommand(program: Command, context: (command: Command) => CliContext): void {
  program
    .command("doctor")
    .description(
      "check the setup: which JIT API and from where, that it answers, the clock, the identity and its issuer, and the local stack's parts",
    )
    .action(async (_opts: unknown, command: Command) => {
      const ctx = context(command);
      const checks = await runChecks(ctx);
      const failed = checks.filter((c) => c.status === "fail");
      const exitCode = failed.reduce((worst, c) => Math.max(worst, c.exitCode ?? EXIT.unavailable), 0);
      ctx.emit(
        () =>
          checks
            .map(
              (c) =>
                `${c.status === "ok" ? "ok  " : c.status === "warn" ? "warn" : "FAIL"}  ${c.check.padEnd(12)} ${displayText(c.detail)}`,
            )
            .join("\n"),
        { checks, exitCode },
      );
      ctx.result.exitCode = exitCode;
    });
}

async function runChecks(ctx: CliContext): Promise<DoctorCheck[]> {
  const checks: DoctorCheck[] = [];
  let api: { value: string; source: string };
  try {
    api = ctx.endpoints.jitApiWithSource();
    checks.push({ check: "JIT API", status: "ok", detail: `${api.value} (from ${api.source})` });
  } catch (err) {
    checks.push(failure("JIT API", err));
    return checks;
  }

  // Reachable, and a jit-access API: its RFC 8414 metadata names the token issuer.
  let issuer: string | undefined;
  try {
    const started = Date.now();
    const response = await fetch(`${api.value}/.well-known/oauth-authorization-server`, {
      signal: AbortSignal.timeout(PROBE_TIMEOUT_MS),
      redirect: "error",
    });
    const took = Date.now() - started;
    const body = (await response.json().catch(() => undefined)) as { issuer?: unknown } | undefined;
    if (response.ok && typeof body?.issuer === "string") {
      issuer = body.issuer;
      checks.push({
        check: "reachable",
        status: "ok",
        detail: `a jit-access API, token issuer ${issuer} (${took} ms)`,
      });
    } else {
      checks.push({
        check: "reachable",
        status: "fail",
        exitCode: EXIT.unavailable,
        detail: `it answers (HTTP ${response.status}) but not as a jit-access API: no /.well-known/oauth-authorization-server; check --endpoint/JIT_ENDPOINT`,
      });
    }
    const date = Date.parse(response.headers.get("date") ?? "");
    if (!Number.isNaN(date)) {
      // The Date header has whole seconds; half the round trip is when it was written.
      const skew = Math.round((started + took / 2 - date) / 1000);
      const ahead =
        skew === 0
          ? "in step with the API"
          : `${Math.abs(skew)} s ${skew > 0 ? "ahead of" : "behind"} the API`;
      checks.push({
        check: "clock",
        status: Math.abs(skew) > CLOCK_SKEW_WARN_SECONDS ? "warn" : "ok",
        detail:
          Math.abs(skew) > CLOCK_SKEW_WARN_SECONDS
            ? `${ahead}: tokens may be refused as not yet valid or expired; sync the clock (NTP)`
            : ahead,
      });
    }
  } catch (err) {
    checks.push({
      check: "reachable",
      status: "fail",
      exitCode: EXIT.unavailable,
      detail: `no answer from ${api.value}: ${(err as Error).message}${isLoopback(api.value) ? " — is `npm start` running?" : ""}`,
    });
  }

  checks.push(await identityCheck(ctx, api.value));

  // The local stack's parts, when the JIT API is one this CLI found in an endpoints.json.
  const stack = ctx.endpoints.localStack();
  if (stack) {
    const parts = Object.entries(stack.endpoints).filter(
      (entry): entry is [string, string] => entry[0] !== "jitApi" && typeof entry[1] === "string",
    );
    const results = await Promise.all(
      parts.map(async ([name, url]) => ({ name, url, up: await answers(url) })),
    );
    const down = results.filter((r) => !r.up);
    checks.push(
      down.length === 0
        ? {
            check: "local stack",
            status: "ok",
            detail: `${results.map((r) => r.name).join(", ")} answer (${stack.path})`,
          }
        : {
            check: "local stack",
            status: "fail",
            exitCode: EXIT.unavailable,
            detail: `no answer from ${down.map((r) => `${r.name} ${r.url}`).join(", ")}; the terminal running \`npm start\` says why`,
          },
    );
  }
  return checks;
}

/** Which identity this command would send, whether it is current, its issuer, and whether the API takes it. */
async function identityCheck(ctx: CliContext, jitApi: string): Promise<DoctorCheck> {
  const source = ctx.identitySource();
  let token: string;
  try {
    if (source.kind === "as") token = await devIdpLogin(ctx.endpoints.idp(), ctx.options.as as string);
    else if (source.kind === "env")
      token = checkedEnvironmentToken(ctx.env.JIT_ID_TOKEN as string, ctx.now());
    else {
      const stored = readProfile(ctx.configDir, ctx.profile);
      if (stored === undefined) {
        return {
          check: "identity",
          status: "fail",
          exitCode: EXIT.usage,
          detail: `not logged in (${source.label}): \`jit login\` (browser sign-in), \`jit login --user <name>\` for the local stack, \`jit login --token <id token>\`, or set JIT_ID_TOKEN`,
        };
      }
      if (stored.endpoint !== jitApi) {
        return {
          check: "identity",
          status: "fail",
          exitCode: EXIT.usage,
          detail: `${source.label} logged in to ${stored.endpoint}, not ${jitApi}: \`jit login\` again or choose another --profile`,
        };
      }
      token = await freshProfileToken(ctx.configDir, ctx.profile, stored, ctx.now());
    }
  } catch (err) {
    return failure("identity", err);
  }
  let claims: { sub?: unknown; iss?: unknown; exp?: unknown };
  try {
    claims = decodeJwt(token);
  } catch {
    return { check: "identity", status: "fail", exitCode: EXIT.usage, detail: `${source.label}: not a JWT` };
  }
  const who = `${typeof claims.sub === "string" ? claims.sub : "(no sub)"} (${source.label}), issuer ${typeof claims.iss === "string" ? claims.iss : "(none)"}`;
  const left =
    typeof claims.exp === "number"
      ? `, expires in ${formatFriendlyDuration(Math.max(0, claims.exp - ctx.now() / 1000))}`
      : "";
  try {
    await ctx.client().listEntitlements();
    return { check: "identity", status: "ok", detail: `${who}${left}; the API accepts it` };
  } catch (err) {
    return {
      check: "identity",
      status: "fail",
      exitCode: err instanceof CliError ? err.exitCode : EXIT.unavailable,
      detail: `${who}${left}; ${(err as Error).message}`,
    };
  }
}

function failure(check: string, err: unknown): DoctorCheck {
  return {
    check,
    status: "fail",
    exitCode: err instanceof CliError ? err.exitCode : EXIT.unavailable,
    detail: err instanceof Error ? err.message : String(err),
  };
}

/** True when something answers HTTP at `url` (any status). */
async function answers(url: string): Promise<boolean> {
  try {
    await fetch(url, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS), redirect: "manual" });
    return true;
  } catch {
    return false;
  }
}

function isLoopback(url: string): boolean {
  try {
    return ["127.0.0.1", "localhost", "[::1]"].includes(new URL(url).hostname);
  } catch {
    return false;
  }
}
