import { readFileSync } from "node:fs";
import { type Command, Option } from "commander";
import { decodeJwt } from "jose";
import type { CliContext } from "../context.js";
import { UsageError } from "../errors.js";
import { formatTime } from "../format.js";
import { devIdpLogin } from "../http-client.js";
import { writeProfile } from "../session.js";

/** Registers `jit login` and `jit logout`. */
export function registerLoginCommands(program: Command, context: (command: Command) => CliContext): void {
  program
    .command("login")
    .description(
      "store an identity token for this profile: from the local development IdP (--user) or one you supply " +
        "(--token, or JIT_ID_TOKEN)",
    )
    .addOption(
      new Option("--user <name>", "log in at the local stack's development IdP as this user").conflicts(
        "token",
      ),
    )
    .addOption(new Option("--token <id token>", "an OIDC identity token; '-' reads it from stdin"))
    .action(async (opts: { user?: string; token?: string }, command: Command) => {
      const ctx = context(command);
      const endpoint = ctx.endpoints.jitApi();
      if (ctx.options.as !== undefined) {
        throw new UsageError(
          "--as logs in for one command only; to store an identity use `jit login --user <name>`",
        );
      }
      const user = opts.user;
      let idToken: string;
      if (user !== undefined) idToken = await devIdpLogin(ctx.endpoints.idp(), user);
      else if (opts.token === "-") idToken = readFileSync(0, "utf8").trim();
      else if (opts.token !== undefined) idToken = opts.token.trim();
      else if (ctx.env.JIT_ID_TOKEN) idToken = ctx.env.JIT_ID_TOKEN.trim();
      else {
        throw new UsageError(
          "say who you are: `jit login --user <name>` (local stack), `jit login --token <id token>`, or set JIT_ID_TOKEN",
        );
      }
      const claims = readClaims(idToken);
      const profile = ctx.profile;
      const sessionFile = writeProfile(ctx.configDir, profile, {
        idToken,
        endpoint,
        subject: claims.sub,
        savedAt: new Date(ctx.now()).toISOString(),
      });
      const expiresAt = claims.exp === undefined ? undefined : new Date(claims.exp * 1000).toISOString();
      ctx.emit(
        () =>
          `Logged in as ${claims.sub ?? "(no sub)"} at ${endpoint} (profile ${profile}).` +
          (expiresAt ? `\nThe identity token expires ${formatTime(expiresAt, ctx.now())}.` : ""),
        { profile, subject: claims.sub ?? null, endpoint, expiresAt: expiresAt ?? null, sessionFile },
      );
    });

  program
    .command("logout")
    .description("forget the identity token of this profile")
    .action((_opts: unknown, command: Command) => {
      const ctx = context(command);
      const profile = ctx.profile;
      writeProfile(ctx.configDir, profile, undefined);
      ctx.emit(() => `Logged out (profile ${profile}).`, { profile });
    });
}

/**
 * The `sub` and `exp` of an identity token, read without verification: only for display and an early
 * "expired" message; the JIT API verifies the token on every call.
 * @throws UsageError when the text is not a JWT or has expired.
 */
function readClaims(idToken: string): { sub?: string; exp?: number } {
  let claims: ReturnType<typeof decodeJwt>;
  try {
    claims = decodeJwt(idToken);
  } catch {
    throw new UsageError("the identity token is not a JWT (expected three base64url parts separated by '.')");
  }
  if (typeof claims.exp === "number" && claims.exp * 1000 <= Date.now()) {
    throw new UsageError("the identity token has expired; get a new one from your identity provider");
  }
  return { sub: claims.sub, exp: claims.exp };
}
