import type { Command } from "commander";
import { decodeJwt } from "jose";
import { EndpointResolver, type Sourced } from "./endpoints.js";
import { UsageError } from "./errors.js";
import { displayText } from "./format.js";
import { devIdpLogin, JitApiClient } from "./http-client.js";
import { freshProfileToken } from "./renewal.js";
import { configDir, DEFAULT_PROFILE, PROFILE_NAME, readProfile } from "./session.js";

/**
 * Options every command takes (declared on the program; see cli/program.ts). Each falls back to its
 * environment variable: JIT_ENDPOINT, JIT_IDP_ENDPOINT, JIT_DATA_DIR, JIT_PROFILE.
 */
export interface GlobalOptions {
  endpoint?: string;
  idp?: string;
  dataDir?: string;
  profile?: string;
  as?: string;
  json?: boolean;
}

/** Where a command writes; tests and `exec` read the real process streams. */
export interface Output {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
}

/** What a command needs, built from the global options and the environment. */
export class CliContext {
  readonly options: GlobalOptions;
  readonly env: NodeJS.ProcessEnv;
  readonly endpoints: EndpointResolver;
  readonly output: Output;
  /** The process exit code a command asks for (`exec` passes on its command's). */
  readonly result: { exitCode: number };
  #client: JitApiClient | undefined;

  constructor(
    options: GlobalOptions,
    env: NodeJS.ProcessEnv,
    cwd: string,
    output: Output,
    result: { exitCode: number } = { exitCode: 0 },
  ) {
    this.options = options;
    this.result = result;
    this.env = env;
    this.output = output;
    this.endpoints = new EndpointResolver({
      endpoint:
        sourced(options.endpoint, "--endpoint") ?? sourced(nonEmpty(env.JIT_ENDPOINT), "JIT_ENDPOINT"),
      idp: sourced(options.idp, "--idp") ?? sourced(nonEmpty(env.JIT_IDP_ENDPOINT), "JIT_IDP_ENDPOINT"),
      dataDir: options.dataDir ?? nonEmpty(env.JIT_DATA_DIR),
      cwd,
      configDir: configDir(env),
      profileEndpoint: () => {
        const stored = readProfile(this.configDir, this.profile);
        return stored === undefined
          ? undefined
          : { value: stored.endpoint, source: `profile ${this.profile}` };
      },
    });
  }

  /** Builds the context of a command from its (and its parents') parsed options. */
  static of(
    command: Command,
    output: Output,
    result: { exitCode: number },
    env: NodeJS.ProcessEnv = process.env,
  ): CliContext {
    return new CliContext(command.optsWithGlobals<GlobalOptions>(), env, process.cwd(), output, result);
  }

  /** `--json`: machine-readable output on stdout. */
  get json(): boolean {
    return this.options.json === true;
  }

  /** The profile name (`--profile`, `JIT_PROFILE`, else `default`). @throws UsageError for a bad name. */
  get profile(): string {
    const name = this.options.profile ?? nonEmpty(this.env.JIT_PROFILE) ?? DEFAULT_PROFILE;
    if (!PROFILE_NAME.test(name)) {
      throw new UsageError(`--profile "${name}": use letters, digits, '-' and '_' (at most 64)`);
    }
    return name;
  }

  /** The directory holding session.json. */
  get configDir(): string {
    return configDir(this.env);
  }

  /** Current time in epoch milliseconds. */
  now(): number {
    return Date.now();
  }

  /**
   * The JIT API client, with the identity chosen in this order: `--as <user>` (a fresh development-IdP
   * login, not stored), `JIT_ID_TOKEN`, then the profile stored by `jit login`. A stored token is only
   * ever sent to the API it was obtained for.
   */
  client(): JitApiClient {
    if (this.#client) return this.#client;
    const { value: baseUrl, source } = this.endpoints.jitApiWithSource();
    const identity = this.identitySource();
    this.#client = new JitApiClient({
      baseUrl,
      endpointSource: source,
      idToken: () => this.#identity(baseUrl),
      unauthorizedHint: this.#unauthorizedHint(identity, baseUrl),
    });
    return this.#client;
  }

  /**
   * The identity token this command sends (see {@link client}), renewed first when a stored one is due.
   * @throws UsageError when there is none or it cannot be used.
   */
  identityToken(): Promise<string> {
    return this.#identity(this.endpoints.jitApi());
  }

  /** Where the identity token of this command comes from: `--as`, `JIT_ID_TOKEN` or the profile. */
  identitySource(): IdentitySource {
    if (this.options.as !== undefined) return { kind: "as", label: `--as ${this.options.as}` };
    if (this.env.JIT_ID_TOKEN) return { kind: "env", label: "JIT_ID_TOKEN" };
    return { kind: "profile", label: `profile ${this.profile}` };
  }

  /** What to do when the API answers 401 to this identity: advice that fits where the token came from. */
  #unauthorizedHint(identity: IdentitySource, baseUrl: string): string {
    switch (identity.kind) {
      case "as":
        return (
          "the development IdP's token was refused: is --idp/JIT_IDP_ENDPOINT the IdP of the stack at " +
          baseUrl +
          "?"
        );
      case "env":
        return (
          "the API refused JIT_ID_TOKEN: set it to a current identity token from this API's identity provider " +
          "(`jit doctor` shows its issuer), or unset JIT_ID_TOKEN to use the identity `jit login` stored"
        );
      case "profile":
        return `run \`jit login\` again${this.profile === DEFAULT_PROFILE ? "" : ` --profile ${this.profile}`}`;
    }
  }

  async #identity(baseUrl: string): Promise<string> {
    if (this.options.as !== undefined) return devIdpLogin(this.endpoints.idp(), this.options.as);
    if (this.env.JIT_ID_TOKEN) return checkedEnvironmentToken(this.env.JIT_ID_TOKEN, this.now());
    const profile = this.profile;
    const stored = readProfile(this.configDir, profile);
    if (stored === undefined) {
      throw new UsageError(
        `not logged in${profile === DEFAULT_PROFILE ? "" : ` (profile ${profile})`}: run \`jit login\` ` +
          "(sign in in a browser), `jit login --user <name>` against the local stack, `jit login --token <id token>`, " +
          "or set JIT_ID_TOKEN",
      );
    }
    if (stored.endpoint !== baseUrl) {
      throw new UsageError(
        `the identity of profile ${profile} was obtained for ${stored.endpoint}, not ${baseUrl}; ` +
          "run `jit login` again for this endpoint or choose another --profile",
      );
    }
    return freshProfileToken(this.configDir, profile, stored, this.now());
  }

  /** Writes text to stdout. */
  print(text: string): void {
    this.output.stdout.write(text.endsWith("\n") ? text : `${text}\n`);
  }

  /** Writes a value as indented JSON to stdout (`--json`). */
  printJson(value: unknown): void {
    this.output.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  }

  /** Writes human output, or the JSON value with `--json`. */
  emit(human: () => string, value: unknown): void {
    if (this.json) this.printJson(value);
    else this.print(human());
  }
}

/** Where a command's identity token comes from. */
export interface IdentitySource {
  kind: "as" | "env" | "profile";
  /** `--as alice`, `JIT_ID_TOKEN`, `profile default`. */
  label: string;
}

/**
 * `JIT_ID_TOKEN`, checked before it is sent: it must look like a JWT and must not have expired (read
 * without verification, for a message that helps; the API verifies it).
 * @throws UsageError (exit 2) saying what is wrong with it and what to do.
 */
export function checkedEnvironmentToken(token: string, nowMs: number): string {
  const value = token.trim();
  let claims: { exp?: unknown; iss?: unknown };
  try {
    claims = decodeJwt(value);
  } catch {
    throw new UsageError(
      "JIT_ID_TOKEN is not a JWT (three base64url parts separated by '.'): set it to an OIDC identity token " +
        "from your identity provider, or unset it to use the identity `jit login` stored",
    );
  }
  if (typeof claims.exp === "number" && claims.exp * 1000 <= nowMs) {
    const from = typeof claims.iss === "string" ? ` from ${displayText(claims.iss)}` : "";
    throw new UsageError(
      `JIT_ID_TOKEN expired at ${new Date(claims.exp * 1000).toISOString()}: get a fresh identity token${from}, ` +
        "or unset it to use the identity `jit login` stored",
    );
  }
  return value;
}

function sourced(value: string | undefined, source: string): Sourced | undefined {
  return value === undefined ? undefined : { value, source };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === "" ? undefined : value;
}
