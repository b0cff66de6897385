import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import {
  type BundlingOptions,
  type ICommandHooks,
  LogLevel,
  OutputFormat,
} from "aws-cdk-lib/aws-lambda-nodejs";
import type { BuildOptions } from "esbuild";

/** Repository root (where package.json, package-lock.json and tsconfig.json live). */
export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** Folder holding one Lambda entry file per handler (see ARCHITECTURE.md). */
export const HANDLERS_DIR = join(PROJECT_ROOT, "functions", "handlers");

/**
 * Makes `require` exist inside the ESM bundle: some CommonJS dependencies bundled into it (parts of the
 * AWS SDK and its Smithy runtime) call `require("node:…")` for built-ins, which an ESM module cannot do
 * without `createRequire` (https://esbuild.github.io/api/#banner).
 */
export const ESM_REQUIRE_BANNER =
  "import { createRequire as __jitCreateRequire } from 'node:module'; const require = __jitCreateRequire(import.meta.url);";

/**
 * The esbuild settings of every Lambda bundle, in one place. The CDK app ({@link nodejsBundlingOptions})
 * and the benchmark ({@link esbuildBuildOptions}) both derive from it, so what is measured is what ships.
 *
 * - `target: node20`: the code also runs on Node 20 locally; the Lambda runtime is newer, never older.
 * - ESM with the `createRequire` banner: jose and zod ship ESM, Powertools and the AWS SDK ship both;
 *   ESM keeps their module-level code tree-shakable.
 * - `mainFields: ["module", "main"]`: prefer packages' ESM builds (measured ~1/3 smaller, faster to load).
 * - The AWS SDK is bundled, not taken from the runtime, so its version is the one in package-lock.json.
 * - `keepNames`: errors are matched by `name` as well as `instanceof`, and `JitError` sets
 *   `name = new.target.name`; minified class names would break that.
 * - Source maps on, without sources content (stack traces need the mappings, not the code);
 *   Lambdas run with `NODE_OPTIONS=--enable-source-maps` ({@link SOURCE_MAPS_NODE_OPTIONS}).
 */
export const BUNDLE_SETTINGS = {
  target: "node20",
  format: "esm",
  mainFields: ["module", "main"],
  minify: true,
  keepNames: true,
  sourceMap: true,
  sourcesContent: false,
  banner: ESM_REQUIRE_BANNER,
  /** Nothing is external: the AWS SDK v3 is bundled and pinned by the lock file. */
  externalModules: [] as string[],
} as const;

/** `NODE_OPTIONS` value every Lambda gets so stack traces map back to the TypeScript sources. */
export const SOURCE_MAPS_NODE_OPTIONS = "--enable-source-maps";

/**
 * Options for `NodejsFunction` (aws-cdk-lib/aws-lambda-nodejs): the shared settings, local esbuild only
 * (never Docker), plus optional command hooks (used to place the validated policy next to the handler).
 */
export function nodejsBundlingOptions(commandHooks?: ICommandHooks): BundlingOptions {
  return {
    target: BUNDLE_SETTINGS.target,
    format: OutputFormat.ESM,
    mainFields: [...BUNDLE_SETTINGS.mainFields],
    minify: BUNDLE_SETTINGS.minify,
    keepNames: BUNDLE_SETTINGS.keepNames,
    sourceMap: BUNDLE_SETTINGS.sourceMap,
    sourcesContent: BUNDLE_SETTINGS.sourcesContent,
    banner: BUNDLE_SETTINGS.banner,
    externalModules: [...BUNDLE_SETTINGS.externalModules],
    forceDockerBundling: false,
    // Warnings and errors only: `cdk synth --quiet` should not print every bundle's size.
    logLevel: LogLevel.WARNING,
    ...(commandHooks === undefined ? {} : { commandHooks }),
  };
}

/**
 * The same bundle as {@link nodejsBundlingOptions}, as options for esbuild's `build()` API: used by the
 * benchmark to measure exactly what is deployed.
 * @param entry absolute path of a handler file (e.g. `join(HANDLERS_DIR, "jit-authorizer.ts")`).
 * @param outfile where to write the bundle (`…/index.mjs`); the source map goes next to it.
 */
export function esbuildBuildOptions(entry: string, outfile: string): BuildOptions {
  return {
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: "node",
    target: BUNDLE_SETTINGS.target,
    format: BUNDLE_SETTINGS.format,
    mainFields: [...BUNDLE_SETTINGS.mainFields],
    minify: BUNDLE_SETTINGS.minify,
    keepNames: BUNDLE_SETTINGS.keepNames,
    sourcemap: BUNDLE_SETTINGS.sourceMap,
    sourcesContent: BUNDLE_SETTINGS.sourcesContent,
    banner: { js: BUNDLE_SETTINGS.banner },
    external: [...BUNDLE_SETTINGS.externalModules],
    tsconfig: join(PROJECT_ROOT, "tsconfig.json"),
    absWorkingDir: PROJECT_ROOT,
    logLevel: "warning",
  };
}
