import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { z } from "zod";
import { UnreachableError, UsageError } from "./errors.js";

/** Where the local stack writes its endpoints, relative to its data directory (DESIGN.md §7). */
export const ENDPOINTS_FILE = "endpoints.json";
/** The local stack's default data directory, relative to the current directory. */
export const DEFAULT_DATA_DIR = ".data";

const httpUrl = z.url({ protocol: /^https?$/ });

/** The part of the local stack's `endpoints.json` the CLI reads (other members are ignored). */
const EndpointsFileSchema = z.looseObject({
  jitApi: httpUrl,
  idp: httpUrl.optional(),
  demoApi: httpUrl.optional(),
});

/** Options and environment that decide where the CLI sends requests. */
export interface EndpointSettings {
  /** `--endpoint`, else `JIT_ENDPOINT`. */
  endpoint?: string;
  /** `--idp`, else `JIT_IDP_ENDPOINT`. */
  idp?: string;
  /** `--data-dir`, else `JIT_DATA_DIR`. */
  dataDir?: string;
  cwd: string;
}

/**
 * Finds the JIT API and the development IdP, lazily: the local stack's `endpoints.json` is read only when
 * an option or variable does not already say. Order: `--endpoint`, `JIT_ENDPOINT`, then `jitApi` from
 * `<data dir>/endpoints.json` (`--data-dir`, `JIT_DATA_DIR`, else `./.data`). The IdP likewise: `--idp`,
 * `JIT_IDP_ENDPOINT`, then `idp` from that file.
 */
export class EndpointResolver {
  readonly #settings: EndpointSettings;
  #file: z.output<typeof EndpointsFileSchema> | undefined;

  constructor(settings: EndpointSettings) {
    this.#settings = settings;
  }

  /** Path of the local stack's endpoints file this resolver reads. */
  get endpointsFile(): string {
    return join(resolve(this.#settings.cwd, this.#settings.dataDir ?? DEFAULT_DATA_DIR), ENDPOINTS_FILE);
  }

  /**
   * Base URL of the JIT API, without a trailing slash (a stage path such as `/prod` is kept).
   * @throws UsageError (exit 2) for a URL that is not http(s); UnreachableError (exit 3) when no endpoint is
   *   configured and the local stack's endpoints file is missing.
   */
  jitApi(): string {
    if (this.#settings.endpoint !== undefined)
      return baseUrl(this.#settings.endpoint, "--endpoint/JIT_ENDPOINT");
    return baseUrl(this.#readFile().jitApi, this.endpointsFile);
  }

  /**
   * Base URL of the development IdP (`POST {idp}/login`).
   * @throws UsageError when it is not configured and the endpoints file names none.
   */
  idp(): string {
    if (this.#settings.idp !== undefined) return baseUrl(this.#settings.idp, "--idp/JIT_IDP_ENDPOINT");
    const { idp } = this.#readFile();
    if (idp === undefined) {
      throw new UsageError(
        `${this.endpointsFile} names no development IdP; pass --idp or set JIT_IDP_ENDPOINT`,
      );
    }
    return baseUrl(idp, this.endpointsFile);
  }

  #readFile(): z.output<typeof EndpointsFileSchema> {
    if (this.#file) return this.#file;
    const path = this.endpointsFile;
    let text: string;
    try {
      text = readFileSync(path, "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") {
        throw new UnreachableError(
          `cannot find the local stack: ${path} does not exist — is \`npm start\` running? ` +
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
    this.#file = result.data;
    return result.data;
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
