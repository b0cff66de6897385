import type { Command } from "commander";
import { EndpointResolver } from "./endpoints.js";
import { UsageError } from "./errors.js";
import { devIdpLogin, JitApiClient } from "./http-client.js";
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
      endpoint: options.endpoint ?? nonEmpty(env.JIT_ENDPOINT),
      idp: options.idp ?? nonEmpty(env.JIT_IDP_ENDPOINT),
      dataDir: options.dataDir ?? nonEmpty(env.JIT_DATA_DIR),
      cwd,
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
    const baseUrl = this.endpoints.jitApi();
    this.#client = new JitApiClient({ baseUrl, idToken: () => this.#identity(baseUrl) });
    return this.#client;
  }

  async #identity(baseUrl: string): Promise<string> {
    if (this.options.as !== undefined) return devIdpLogin(this.endpoints.idp(), this.options.as);
    if (this.env.JIT_ID_TOKEN) return this.env.JIT_ID_TOKEN;
    const profile = this.profile;
    const stored = readProfile(this.configDir, profile);
    if (stored === undefined) {
      throw new UsageError(
        `not logged in${profile === DEFAULT_PROFILE ? "" : ` (profile ${profile})`}: run \`jit login --user <name>\` ` +
          "against the local stack, `jit login --token <id token>`, or set JIT_ID_TOKEN",
      );
    }
    if (stored.endpoint !== baseUrl) {
      throw new UsageError(
        `the identity of profile ${profile} was obtained for ${stored.endpoint}, not ${baseUrl}; ` +
          "run `jit login` again for this endpoint or choose another --profile",
      );
    }
    return stored.idToken;
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

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === "" ? undefined : value;
}
