import { readdirSync } from "node:fs";
import { basename, join } from "node:path";
import {
  esbuildBuildOptions,
  HANDLERS_DIR,
  PROJECT_ROOT,
  SOURCE_MAPS_NODE_OPTIONS,
} from "#infra/bundling.js";
import type { BundleSpec } from "./cold-start.js";

/** Node flags of a deployed Lambda (`NODE_OPTIONS` set by infra/constructs/jit-function.ts). */
const LAMBDA_NODE_ARGS = SOURCE_MAPS_NODE_OPTIONS.split(" ");

/** Name of the reference bundle in the results. */
export const REFERENCE = "reference (jose + GetItem)";
/** Name of the deployed authorizer bundle in the results. */
export const AUTHORIZER = "jit-authorizer";
const AUTHORIZER_ENTRY = join(HANDLERS_DIR, "jit-authorizer.ts");

/** The bundling alternatives measured for the authorizer, next to the deployed settings. */
export const AUTHORIZER_VARIANTS = {
  mainFieldsDefault: "jit-authorizer, esbuild default mainFields (main before module)",
  notMinified: "jit-authorizer, not minified",
  commonJs: "jit-authorizer, CommonJS output",
  noSourceMaps: "jit-authorizer, no source maps (and no --enable-source-maps)",
  referenceNoSourceMaps: "reference, no source maps (and no --enable-source-maps)",
} as const;

/** The reference Lambda's entry file (bench/reference-lambda.ts). */
export function referenceEntry(): string {
  return join(PROJECT_ROOT, "bench", "reference-lambda.ts");
}

/** Every Lambda entry file of functions/handlers/, by handler name (`jit-authorizer`, `issue-token`, …). */
export function handlerEntries(): { name: string; entry: string }[] {
  return readdirSync(HANDLERS_DIR)
    .filter((f) => f.endsWith(".ts"))
    .sort()
    .map((f) => ({ name: basename(f, ".ts"), entry: join(HANDLERS_DIR, f) }));
}

/**
 * What section 3 measures: the reference and every handler exactly as the CDK app bundles and runs them
 * (`esbuildBuildOptions`, `--enable-source-maps`), and the authorizer with one setting changed at a time.
 * @param dir an empty directory for the bundles.
 */
export function coldStartSpecs(dir: string): BundleSpec[] {
  const deployed = (name: string, entry: string, ext = "mjs") =>
    esbuildBuildOptions(entry, join(dir, name.replace(/[^a-z0-9-]+/gi, "_"), `index.${ext}`));
  const reference = referenceEntry();
  const v = AUTHORIZER_VARIANTS;
  // Each pair compared by a ratio is listed side by side: the rounds rotate through this list, so the
  // two load moments apart in every round.
  const specs: BundleSpec[] = [
    { name: REFERENCE, options: deployed("reference", reference), nodeArgs: LAMBDA_NODE_ARGS },
    { name: AUTHORIZER, options: deployed(AUTHORIZER, AUTHORIZER_ENTRY), nodeArgs: LAMBDA_NODE_ARGS },
    {
      name: v.mainFieldsDefault,
      options: { ...deployed("a-mainfields", AUTHORIZER_ENTRY), mainFields: undefined },
      nodeArgs: LAMBDA_NODE_ARGS,
    },
    {
      name: v.notMinified,
      options: { ...deployed("a-nominify", AUTHORIZER_ENTRY), minify: false },
      nodeArgs: LAMBDA_NODE_ARGS,
    },
    {
      // CommonJS needs no createRequire banner; everything else as deployed.
      name: v.commonJs,
      options: { ...deployed("a-cjs", AUTHORIZER_ENTRY, "cjs"), format: "cjs", banner: undefined },
      nodeArgs: LAMBDA_NODE_ARGS,
    },
    {
      name: v.noSourceMaps,
      options: { ...deployed("a-nosourcemap", AUTHORIZER_ENTRY), sourcemap: false },
      nodeArgs: [],
    },
    {
      name: v.referenceNoSourceMaps,
      options: { ...deployed("reference-nosourcemap", reference), sourcemap: false },
      nodeArgs: [],
    },
  ];
  for (const { name, entry } of handlerEntries()) {
    if (name !== AUTHORIZER) specs.push({ name, options: deployed(name, entry), nodeArgs: LAMBDA_NODE_ARGS });
  }
  return specs;
}
