import { readFileSync } from "node:fs";
import { type Command, Option } from "commander";
import { decodeJwt } from "jose";
import { tryOpenBrowser } from "../browser.js";
import type { CliContext } from "../context.js";
import { parseCliDuration } from "../duration.js";
import { CliError, UsageError } from "../errors.js";
import { displayText, formatFriendlyDuration, formatTime } from "../format.js";
import { devIdpLogin } from "../http-client.js";
import { listenForCallback } from "../loopback-callback.js";
import { authorizationRequest, checkIssuer, discover, redeemCallback } from "../oidc-client.js";
import { readProfile, type SessionProfile, writeProfile } from "../session.js";

/** Client id of the CLI at the local stack's development IdP (local/dev-idp-clients.ts). */
export const LOCAL_CLI_CLIENT_ID = "jit-cli";
/**
 * Port of the loopback redirect `http://localhost:{port}/callback` for providers that register one exact
 * redirect URI (Cognito: the CDK app registers this port for its CLI client; see docs/identity.md).
 */
export const DEFAULT_CALLBACK_PORT = 8400;
/** How long `jit login` waits for the browser sign-in by default. */
const DEFAULT_SIGN_IN_TIMEOUT = "5m";

interface LoginOptions {
  user?: string;
  token?: string;
  issuer?: string;
  clientId?: string;
  port?: string;
  browser: boolean;
  timeout: string;
}

/** Registers `jit login`, `jit logout` and `jit whoami`. */
export function registerLoginCommands(program: Command, context: (command: Command) => CliContext): void {
  program
    .command("login")
    .description(
      "sign in for this profile: in a browser at your OIDC provider (authorization code + PKCE, loopback " +
        "redirect), at the local stack's development IdP (--user), or with a token you supply (--token, or " +
        "JIT_ID_TOKEN)",
    )
    .addOption(
      new Option(
        "--user <name>",
        "log in at the local stack's development IdP as this user, without a browser",
      ).conflicts(["token", "issuer", "clientId"]),
    )
    .addOption(
      new Option("--token <id token>", "an OIDC identity token; '-' reads it from stdin").conflicts([
        "issuer",
        "clientId",
      ]),
    )
    .addOption(
      new Option(
        "--issuer <url>",
        "OIDC issuer to sign in at (env: JIT_ISSUER; default: the profile's, else the local stack's development IdP)",
      ),
    )
    .addOption(
      new Option(
        "--client-id <id>",
        `the CLI's OAuth client id at the issuer (env: JIT_CLIENT_ID; default: the profile's, else ${LOCAL_CLI_CLIENT_ID} for the local stack)`,
      ),
    )
    .addOption(
      new Option(
        "--port <port>",
        `port of the loopback redirect http://localhost:{port}/callback; 0 picks a free one (env: JIT_CALLBACK_PORT; ` +
          `default: ${DEFAULT_CALLBACK_PORT}, or a free one for the local stack)`,
      ),
    )
    .option("--no-browser", "only print the sign-in URL; do not try to open a browser")
    .option("--timeout <duration>", "how long to wait for the browser sign-in", DEFAULT_SIGN_IN_TIMEOUT)
    .action(async (opts: LoginOptions, command: Command) => {
      const ctx = context(command);
      const endpoint = ctx.endpoints.jitApi();
      if (ctx.options.as !== undefined) {
        throw new UsageError("--as logs in for one command only; to store an identity use `jit login`");
      }
      const profile = ctx.profile;
      let stored: SessionProfile;
      if (opts.user !== undefined) {
        stored = storedToken(ctx, endpoint, await devIdpLogin(ctx.endpoints.idp(), opts.user));
      } else if (opts.token !== undefined) {
        const text = opts.token === "-" ? readFileSync(0, "utf8") : opts.token;
        stored = storedToken(ctx, endpoint, text.trim());
      } else if (ctx.env.JIT_ID_TOKEN && opts.issuer === undefined && !ctx.env.JIT_ISSUER) {
        stored = storedToken(ctx, endpoint, ctx.env.JIT_ID_TOKEN.trim());
      } else {
        stored = await browserSignIn(ctx, endpoint, opts);
      }
      const sessionFile = writeProfile(ctx.configDir, profile, stored);
      const claims = decodeJwt(stored.idToken);
      const expiresAt =
        typeof claims.exp === "number" ? new Date(claims.exp * 1000).toISOString() : undefined;
      const renewable = stored.refreshToken !== undefined;
      ctx.emit(
        () =>
          `Logged in as ${displayText(stored.subject ?? "(no sub)")} at ${endpoint} (profile ${profile}).` +
          (expiresAt
            ? `\nThe identity token expires ${formatTime(expiresAt, ctx.now())}` +
              (renewable ? "; the CLI renews it with the refresh token." : ".")
            : ""),
        {
          profile,
          subject: stored.subject ?? null,
          endpoint,
          issuer: stored.issuer ?? (typeof claims.iss === "string" ? claims.iss : null),
          expiresAt: expiresAt ?? null,
          renewable,
          sessionFile,
        },
      );
    });

  program
    .command("logout")
    .description("forget the identity of this profile: its identity and refresh tokens")
    .action((_opts: unknown, command: Command) => {
      const ctx = context(command);
      const profile = ctx.profile;
      const had = readProfile(ctx.configDir, profile) !== undefined;
      writeProfile(ctx.configDir, profile, undefined);
      ctx.emit(() => (had ? `Logged out (profile ${profile}).` : `Profile ${profile} was not logged in.`), {
        profile,
        loggedOut: had,
      });
    });

  program
    .command("whoami")
    .description(
      "who the JIT API will see: sub, groups, issuer and expiry of the identity token (renewed if due)",
    )
    .action(async (_opts: unknown, command: Command) => {
      const ctx = context(command);
      const token = await ctx.identityToken();
      const claims = decodeJwt(token);
      const source = ctx.identitySource();
      const groups = groupsOf(claims);
      const exp = typeof claims.exp === "number" ? claims.exp : undefined;
      const stored = source.kind === "profile" ? readProfile(ctx.configDir, ctx.profile) : undefined;
      const renewable = stored?.refreshToken !== undefined;
      const value = {
        sub: typeof claims.sub === "string" ? claims.sub : null,
        groups,
        issuer: typeof claims.iss === "string" ? claims.iss : null,
        audience: claims.aud ?? null,
        expiresAt: exp === undefined ? null : new Date(exp * 1000).toISOString(),
        source: source.label,
        renewable,
      };
      ctx.emit(() => {
        const left =
          exp === undefined
            ? "no expiry"
            : `${value.expiresAt} (${exp * 1000 > ctx.now() ? `in ${formatFriendlyDuration(exp - ctx.now() / 1000)}` : "expired"})`;
        return [
          `sub:     ${displayText(value.sub ?? "(none)")}`,
          `groups:  ${groups.length === 0 ? "(none)" : groups.map(displayText).join(", ")}`,
          `issuer:  ${displayText(value.issuer ?? "(none)")}`,
          `expires: ${left}${renewable ? ", renewed with the refresh token" : ""}`,
          `from:    ${source.label}`,
        ].join("\n");
      }, value);
    });
}

/**
 * The browser sign-in (RFC 8252): OpenID discovery of the issuer, a loopback listener, the authorization
 * URL printed (and opened when a browser is available), then the code redeemed with PKCE. Nothing is
 * written unless every check passed.
 */
async function browserSignIn(ctx: CliContext, endpoint: string, opts: LoginOptions): Promise<SessionProfile> {
  const { issuer, clientId, local } = signInSettings(ctx, opts);
  const port = callbackPort(ctx, opts, local);
  const timeout = parseCliDuration(opts.timeout, "--timeout");
  const as = await discover(issuer);
  const listener = await listenForCallback(port);
  try {
    const request = await authorizationRequest(as, clientId, listener.redirectUri);
    const err = ctx.output.stderr;
    err.write(
      `Sign in at ${displayText(issuer)} in a browser:\n\n  ${request.url}\n\n` +
        `Waiting up to ${formatFriendlyDuration(timeout.seconds)} for the redirect to ${listener.redirectUri} ` +
        "(Ctrl-C to stop).\n",
    );
    if (opts.browser && tryOpenBrowser(request.url, ctx.env)) err.write("Opened your browser.\n");
    const callback = await listener.next(request.state, timeout.seconds * 1000, (reason) =>
      err.write(`Ignored ${reason}; still waiting.\n`),
    );
    try {
      const tokens = await redeemCallback(as, { issuer, clientId }, request, callback.url);
      callback.respond(200, `Signed in to jit-access as ${tokens.subject}. You can close this tab.`);
      const stored: SessionProfile = {
        idToken: tokens.idToken,
        endpoint,
        subject: tokens.subject,
        savedAt: new Date(ctx.now()).toISOString(),
        issuer,
        clientId,
      };
      if (tokens.refreshToken !== undefined) stored.refreshToken = tokens.refreshToken;
      return stored;
    } catch (error) {
      const message = error instanceof CliError ? error.message : "the sign-in failed";
      callback.respond(400, `Sign-in refused: ${message}. Nothing was stored; run \`jit login\` again.`);
      if (error instanceof CliError) error.message = `${error.message}; nothing was stored`;
      throw error;
    }
  } finally {
    await listener.close();
  }
}

/** Issuer and client id: options, environment, the profile's previous sign-in, then the local stack. */
function signInSettings(
  ctx: CliContext,
  opts: LoginOptions,
): { issuer: string; clientId: string; local: boolean } {
  const issuerOption = opts.issuer ?? nonEmpty(ctx.env.JIT_ISSUER);
  const clientOption = opts.clientId ?? nonEmpty(ctx.env.JIT_CLIENT_ID);
  if (issuerOption !== undefined) {
    checkIssuer(issuerOption, opts.issuer === undefined ? "JIT_ISSUER" : "--issuer");
    const previous = readProfile(ctx.configDir, ctx.profile);
    const clientId = clientOption ?? (previous?.issuer === issuerOption ? previous.clientId : undefined);
    if (clientId === undefined) {
      throw new UsageError(
        "--client-id is required with --issuer: the CLI's client id at that provider (the policy's identity.cliClientId)",
      );
    }
    return { issuer: issuerOption, clientId, local: false };
  }
  // The issuer of the profile's last browser sign-in at this same JIT API, unless --idp says otherwise.
  const previous = readProfile(ctx.configDir, ctx.profile);
  if (
    previous?.issuer !== undefined &&
    previous.clientId !== undefined &&
    previous.endpoint === ctx.endpoints.jitApi() &&
    ctx.options.idp === undefined &&
    !ctx.env.JIT_IDP_ENDPOINT
  ) {
    return { issuer: previous.issuer, clientId: clientOption ?? previous.clientId, local: false };
  }
  let idp: string;
  try {
    idp = ctx.endpoints.idp();
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    throw new UsageError(
      `no identity provider to sign in at for ${ctx.endpoints.jitApi()}: pass --issuer <url> and --client-id <id> ` +
        "(the policy's identity.issuer and identity.cliClientId; the stack outputs name them), or --token",
    );
  }
  return { issuer: idp, clientId: clientOption ?? LOCAL_CLI_CLIENT_ID, local: true };
}

function callbackPort(ctx: CliContext, opts: LoginOptions, local: boolean): number {
  const text = opts.port ?? nonEmpty(ctx.env.JIT_CALLBACK_PORT);
  if (text === undefined) return local ? 0 : DEFAULT_CALLBACK_PORT;
  const port = Number(text);
  if (!/^\d{1,5}$/.test(text) || port > 65_535) {
    throw new UsageError(
      `${opts.port === undefined ? "JIT_CALLBACK_PORT" : "--port"} "${displayText(text)}": a port number 0-65535`,
    );
  }
  return port;
}

/** A supplied identity token (`--user`, `--token`, JIT_ID_TOKEN) as a profile; it cannot be renewed. */
function storedToken(ctx: CliContext, endpoint: string, idToken: string): SessionProfile {
  const claims = readClaims(idToken, ctx.now());
  return {
    idToken,
    endpoint,
    ...(claims.sub === undefined ? {} : { subject: claims.sub }),
    savedAt: new Date(ctx.now()).toISOString(),
  };
}

/** Group names in the usual claims (`cognito:groups`, `groups`): for display only. */
function groupsOf(claims: Record<string, unknown>): string[] {
  for (const name of ["cognito:groups", "groups"]) {
    const value = claims[name];
    if (Array.isArray(value)) return value.filter((g): g is string => typeof g === "string");
  }
  return [];
}

/**
 * The `sub` and `exp` of an identity token, read without verification: only for display and an early
 * "expired" message; the JIT API verifies the token on every call.
 * @throws UsageError when the text is not a JWT or has expired.
 */
function readClaims(idToken: string, nowMs: number): { sub?: string; exp?: number } {
  let claims: ReturnType<typeof decodeJwt>;
  try {
    claims = decodeJwt(idToken);
  } catch {
    throw new UsageError("the identity token is not a JWT (expected three base64url parts separated by '.')");
  }
  if (typeof claims.exp === "number" && claims.exp * 1000 <= nowMs) {
    throw new UsageError("the identity token has expired; get a new one from your identity provider");
  }
  return { sub: claims.sub, exp: claims.exp };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === "" ? undefined : value;
}
