import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Plugin } from "esbuild";
import { esbuildBuildOptions, HANDLERS_DIR, SOURCE_MAPS_NODE_OPTIONS } from "#infra/bundling.js";
import { REFERENCE, referenceEntry } from "./bundles.js";
import { type BundleSpec, measureColdStarts } from "./cold-start.js";
import { medianRatio, round } from "./stats.js";

/**
 * `npx tsx bench/diagnose-load.ts`: where the authorizer's module load time goes. Bundles the authorizer
 * as deployed, then again with one dependency replaced by an empty stand-in (and with both), and loads
 * each bundle in
 * fresh Node processes (interleaved, as `npm run bench` does). The difference is that dependency's share
 * of the load. The stubbed bundles only load: they cannot authorize anything. Not part of
 * `npm run bench` (about 2 minutes on 2 cores); the README's "Performance" section quotes a run.
 */

/** Any property and any call give the same stand-in back, so module-level schema building still runs. */
const CHAINABLE =
  "const p = new Proxy(function () {}, { get: (_t, k) => (k === 'then' ? undefined : p), apply: () => p });";

/** Every `z.*` value functions/ uses, bound to the chainable stand-in. */
const ZOD_NAMES = [
  "_default",
  "array",
  "boolean",
  "coerce",
  "config",
  "core",
  "discriminatedUnion",
  "email",
  "extend",
  "gte",
  "int",
  "literal",
  "lte",
  "maxLength",
  "minLength",
  "number",
  "object",
  "optional",
  "pick",
  "pipe",
  "refine",
  "regex",
  "strictObject",
  "string",
  "superRefine",
  "transform",
  "trim",
  "url",
];

/** Stand-ins for each dependency the authorizer has beyond the reference, exporting what functions/ imports. */
const STUBS: Record<string, { filter: RegExp; contents: string }> = {
  "zod/mini": {
    filter: /^zod\/mini$/,
    contents: `${CHAINABLE} export const ${ZOD_NAMES.map((n) => `${n} = p`).join(", ")}; export { p as enum };`,
  },
  "@aws-lambda-powertools/logger": {
    filter: /^@aws-lambda-powertools\/logger$/,
    contents:
      "export class Logger { info() {} warn() {} error() {} debug() {} addContext() {} get level() { return 12; } }" +
      " export const LogLevelThreshold = { DEBUG: 8 };",
  },
};

function stub(name: string, filter: RegExp, contents: string): Plugin {
  return {
    name: `stub-${name}`,
    setup(build) {
      build.onResolve({ filter }, (args) => ({ path: args.path, namespace: "bench-stub" }));
      build.onLoad({ filter, namespace: "bench-stub" }, () => ({ contents, loader: "js" }));
    },
  };
}

const dir = mkdtempSync(join(tmpdir(), "jit-bench-diagnose-"));
try {
  const nodeArgs = SOURCE_MAPS_NODE_OPTIONS.split(" ");
  const entry = join(HANDLERS_DIR, "jit-authorizer.ts");
  const deployed = (name: string) => esbuildBuildOptions(entry, join(dir, name, "index.mjs"));
  const specs: BundleSpec[] = [
    {
      name: REFERENCE,
      options: esbuildBuildOptions(referenceEntry(), join(dir, "ref", "index.mjs")),
      nodeArgs,
    },
    { name: "jit-authorizer", options: deployed("authorizer"), nodeArgs },
    ...Object.entries(STUBS).map(([pkg, s], i) => ({
      name: `without ${pkg}`,
      options: { ...deployed(`stub-${i}`), plugins: [stub(pkg, s.filter, s.contents)] },
      nodeArgs,
    })),
    {
      name: `without ${Object.keys(STUBS).join(" and ")}`,
      options: {
        ...deployed("stub-all"),
        plugins: Object.entries(STUBS).map(([pkg, s]) => stub(pkg, s.filter, s.contents)),
      },
      nodeArgs,
    },
  ];
  const results = await measureColdStarts(specs, { dir, warmupRounds: 1, rounds: 15 });
  const [reference, authorizer] = results;
  if (reference === undefined || authorizer === undefined) throw new Error("missing results");
  const rows = results.map((r) => {
    const saved = authorizer.loadMsMedian - r.loadMsMedian;
    return `| ${r.name} | ${round(r.rawBytes / 1024, 1)} KB | ${round(r.loadMsMedian, 1)} ms | ${round(r.cpuMsMedian, 1)} ms | ${round(medianRatio(r.loadMsSamples, reference.loadMsSamples))} × | ${r === authorizer || r === reference ? "" : `${round(saved, 1)} ms (${round((100 * saved) / authorizer.loadMsMedian)} %)`} |`;
  });
  process.stdout.write(
    [
      "| bundle | raw | module load (median of 15) | CPU time | vs reference | load saved |",
      "| --- | --- | --- | --- | --- | --- |",
      ...rows,
      "",
    ].join("\n"),
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
