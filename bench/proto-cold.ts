import { readdirSync } from "node:fs";
import { join } from "node:path";
import { esbuildBuildOptions, HANDLERS_DIR, PROJECT_ROOT } from "../infra/bundling.js";
import { measureColdStarts, type BundleSpec } from "./cold-start.js";
const dir = "/tmp/bp/cold";
const SM = ["--enable-source-maps"];
const auth = join(HANDLERS_DIR, "jit-authorizer.ts");
const o = (name: string, entry: string, ext = "mjs") => esbuildBuildOptions(entry, join(dir, name, `index.${ext}`));
const specs: BundleSpec[] = [
  { name: "reference", options: o("reference", join(PROJECT_ROOT, "bench/reference-lambda.ts")), nodeArgs: SM },
  { name: "auth-deployed", options: o("auth-deployed", auth), nodeArgs: SM },
  { name: "auth-mainfields-default", options: { ...o("auth-mf", auth), mainFields: undefined }, nodeArgs: SM },
  { name: "auth-nominify", options: { ...o("auth-nomin", auth), minify: false }, nodeArgs: SM },
  { name: "auth-cjs", options: { ...o("auth-cjs", auth, "cjs"), format: "cjs", banner: undefined }, nodeArgs: SM },
  { name: "auth-nosourcemap", options: { ...o("auth-nosm", auth), sourcemap: false }, nodeArgs: [] },
  { name: "ref-nosourcemap", options: { ...o("ref-nosm", join(PROJECT_ROOT, "bench/reference-lambda.ts")), sourcemap: false }, nodeArgs: [] },
];
for (const f of readdirSync(HANDLERS_DIR).filter(f => f.endsWith(".ts") && f !== "jit-authorizer.ts")) specs.push({ name: f, options: o(f, join(HANDLERS_DIR, f)), nodeArgs: SM });
const t0 = Date.now();
const r = await measureColdStarts(specs, { dir, warmupRounds: 1, rounds: 10 });
for (const x of r) console.log(x.name.padEnd(26), String(x.rawBytes).padStart(9), String(x.gzipBytes).padStart(8), x.loadMsMedian.toFixed(1));
console.log("ms", Date.now() - t0);
