import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { z } from "zod";
import { UnreachableError, UsageError } from "./errors.js";

/** Where the local stack writes its endpoints, relative to its data directory (docs/local.md). */
export const ENDPOINTS_FILE = "endpoints.json";
/** The local stack's default data directory, relative to the current directory. */
export const DEFAULT_DATA_DIR = ".data";
/**
 * File name, in the CLI's config directory, of the pointer `npm start` writes while it runs: the path of
 * its endpoints.json and its pid, so `jit` finds a running local stack from any directory.
 */
export const LOCAL_STACK_POINTER_FILE = "local-stack.json";

const httpUrl = z.url({ protocol: /^https?$/ });

/** The part of the local stack's `endpoints.json` the CLI reads (other members are ignored). */
const EndpointsFileSchema = z.looseObject({
  jitApi: httpUrl,
  idp: httpUrl.optional(),
  demoApi: httpUrl.optional(),
});

/** A local stack's endpoints.json as the CLI reads it: every member that is a URL. */
export type LocalStackEndpoints = z.output<typeof EndpointsFileSchema> & Record<string, unknown>;

const PointerSchema = z.object({ endpointsFile: z.string().min(1), pid: z.int().positive() });

/** A value and where it came from, for messages and `jit doctor`. */
export interface Sourced {
  value: string;
  /** e.g. `--endpoint`, `JIT_ENDPOINT`, `profile default`, or the path of an endpoints.json. */
  source: string;
}

/** Options and environment that decide where the CLI sends requests. */
export interface EndpointSettings {
  /** `--endpoint` or `JIT_ENDPOINT`, with which of them it was. */
  endpoint?: Sourced;
  /** `--idp` or `JIT_IDP_ENDPOINT`. */
  idp?: Sourced;
  /** `--data-dir` or `JIT_DATA_DIR`. */
  dataDir?: string;
  cwd: string;
  /** The JIT API the chosen profile logged in to, if it did (read only when needed). */
  profileEndpoint?: () => Sourced | undefined;
  /** The CLI's config directory, holding the local stack pointer. */
  configDir: string;
  /** Whether a process id is running; default `process.kill(pid, 0)`. */
  isRunning?: (pid: number) => boolean;
}

/**
 * Finds the JIT API and the development IdP, lazily. The JIT API is the first of:
 * 1. `--endpoint`, then `JIT_ENDPOINT`;
 * 2. `jitApi` of `<dir>/endpoints.json` when `--data-dir` / `JIT_DATA_DIR` names the local stack's
 *    data directory;
 * 3. the endpoint the profile logged in to (`jit login`);
 * 4. `jitApi` of `./.data/endpoints.json` (a local stack started in this directory);
 * 5. `jitApi` of the endpoints.json named by the pointer a running `npm start` leaves in the config
 *    directory (`local-stack.json`), so a local stack is found from any directory.
 * The IdP likewise: `--idp` / `JIT_IDP_ENDPOINT`, else `idp` of the local stack's endpoints.json that
 * lists the chosen JIT API (looked for in the same places).
 */
export class EndpointResolver {
  readonly #settings: EndpointSettings;
  #jitApi: Sourced | undefined;

  constructor(settings: EndpointSettings) {
    this.#settings = settings;
  }

  /** Path of the pointer file a running `npm start` writes. */
  get pointerFile(): string {
    return join(this.#settings.configDir, LOCAL_STACK_POINTER_FILE);
  }

  /** The endpoints.json files looked at, in order, with why (for messages and `jit doctor`). */
  localStackFiles(): { path: string; why: string }[] {
    const files: { path: string; why: string }[] = [];
    if (this.#settings.dataDir !== undefined) {
      files.push({
        path: join(resolve(this.#settings.cwd, this.#settings.dataDir), ENDPOINTS_FILE),
        why: "--data-dir/JIT_DATA_DIR",
      });
      return files;
    }
    files.push({ path: join(resolve(this.#settings.cwd, DEFAULT_DATA_DIR), ENDPOINTS_FILE), why: "./.data" });
    const pointed = this.#pointedFile();
    if (pointed !== undefined) files.push({ path: pointed, why: `running npm start (${this.pointerFile})` });
    return files;
  }

  /**
   * Base URL of the JIT API, without a trailing slash (a stage path such as `/prod` is kept).
   * @throws UsageError (exit 2) for a URL that is not http(s) or an unreadable endpoints file;
   *   UnreachableError (exit 3) when nothing names a JIT API and no local stack is running.
   */
  jitApi(): string {
    return this.jitApiWithSource().value;
  }

  /** {@link jitApi} and where it came from. */
  jitApiWithSource(): Sourced {
    this.#jitApi ??= this.#findJitApi();
    return this.#jitApi;
  }

  #findJitApi(): Sourced {
    const { endpoint } = this.#settings;
    if (endpoint !== undefined)
      return { value: baseUrl(endpoint.value, endpoint.source), source: endpoint.source };
    const [first, ...rest] = this.localStackFiles();
    if (this.#settings.dataDir !== undefined && first) {
      const file = this.#read(first.path, true) as LocalStackEndpoints;
      return { value: baseUrl(file.jitApi, first.path), source: first.path };
    }
    const profile = this.#settings.profileEndpoint?.();
    if (profile !== undefined)
      return { value: baseUrl(profile.value, profile.source), source: profile.source };
    for (const candidate of [first, ...rest]) {
      if (!candidate) continue;
      const file = this.#read(candidate.path, false);
      if (file) return { value: baseUrl(file.jitApi, candidate.path), source: candidate.path };
    }
    throw new UnreachableError(
      "cannot find a JIT API: no --endpoint or JIT_ENDPOINT, no `jit login`, and no local stack running " +
        `(looked for ${join(resolve(this.#settings.cwd, DEFAULT_DATA_DIR), ENDPOINTS_FILE)} and ${this.pointerFile}). ` +
        "Start one with `npm start` in the jit-access checkout, or pass --endpoint <url>",
    );
  }

  /**
   * Base URL of the development IdP (`POST {idp}/login`).
   * @throws UsageError when it is not configured and no local stack lists the chosen JIT API.
   */
  idp(): string {
    return this.idpWithSource().value;
  }

  /** {@link idp} and where it came from. */
  idpWithSource(): Sourced {
    const { idp } = this.#settings;
    if (idp !== undefined) return { value: baseUrl(idp.value, idp.source), source: idp.source };
    const stack = this.localStack();
    if (stack?.endpoints.idp !== undefined) {
      return { value: baseUrl(stack.endpoints.idp, stack.path), source: stack.path };
    }
    throw new UsageError(
      `no development IdP for ${this.jitApi()}: it is not a local stack this CLI can find; pass --idp or set JIT_IDP_ENDPOINT`,
    );
  }

  /**
   * The running local stack whose endpoints.json lists the chosen JIT API, if any: the file's path and its
   * members (`jitApi`, `demoApi`, `idp`, `kms`, `dynamodb`, and whatever else the stack lists).
   */
  localStack(): { path: string; endpoints: LocalStackEndpoints } | undefined {
    let jitApi: string;
    try {
      jitApi = this.jitApi();
    } catch {
      return undefined;
    }
    for (const candidate of this.localStackFiles()) {
      const file = this.#read(candidate.path, false);
      if (file && file.jitApi.replace(/\/+$/, "") === jitApi)
        return { path: candidate.path, endpoints: file };
    }
    return undefined;
  }

  /** The endpoints.json a running `npm start` points at, if the pointer exists and its process runs. */
  #pointedFile(): string | undefined {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(this.pointerFile, "utf8"));
    } catch {
      return undefined;
    }
    const pointer = PointerSchema.safeParse(parsed);
    if (!pointer.success) return undefined;
    const isRunning = this.#settings.isRunning ?? processIsRunning;
    return isRunning(pointer.data.pid) ? pointer.data.endpointsFile : undefined;
  }

  /**
   * Reads one endpoints.json.
   * @param required true: a missing file is an error (exit 3); false: it is `undefined`.
   * @throws UsageError for a file that exists but is not an endpoints file.
   */
  #read(path: string, required: boolean): LocalStackEndpoints | undefined {
    let text: string;
    try {
      text = readFileSync(path, "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") {
        if (!required) return undefined;
        throw new UnreachableError(
          `cannot find the local stack: ${path} does not exist — is \`npm start\` running with this --data-dir? ` +
            "(for another API pass --endpoint or set JIT_ENDPOINT)",
        );
      }
      throw new UsageError(`cannot read ${path}: ${(err as Error).message}`);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new UsageError(`${path} is not valid JSON`);
    }
    const result = EndpointsFileSchema.safeParse(parsed);
    if (!result.success) {
      const issue = result.error.issues[0];
      throw new UsageError(`${path}: ${issue?.path.join(".") || "(root)"} ${issue?.message ?? "is invalid"}`);
    }
    return result.data as LocalStackEndpoints;
  }
}

function processIsRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it runs, as another user.
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Checks an http(s) URL and drops trailing slashes, so paths can be appended.
 * @param source where the value came from, for the error message.
 * @throws UsageError (exit 2) naming the source.
 */
export function baseUrl(text: string, source: string): string {
  if (!httpUrl.safeParse(text).success) {
    throw new UsageError(`${source}: "${text}" is not an http(s) URL`);
  }
  const url = new URL(text);
  if (url.search || url.hash) throw new UsageError(`${source}: "${text}" must not have a query or fragment`);
  return text.replace(/\/+$/, "");
}
