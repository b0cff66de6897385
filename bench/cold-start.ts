import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { type BuildOptions, build } from "esbuild";
import { median } from "./stats.js";

/** One bundle's cold-start figures. */
export interface ColdStartResult {
  name: string;
  rawBytes: number;
  gzipBytes: number;
  /** Median module load time in fresh Node processes, milliseconds. */
  loadMsMedian: number;
  loadMsSamples: number[];
}

/**
 * Bundles `entry` with `options` (the CDK app's esbuild options) into a temp dir.
 * @returns the output file path.
 */
export async function bundle(name: string, entry: string, options: BuildOptions): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), `jit-bench-${name}-`));
  const ext = options.format === "esm" ? "mjs" : "cjs";
  const outfile = join(dir, `index.${ext}`);
  await build({ ...options, entryPoints: [entry], outfile, bundle: true, platform: "node", write: true, logLevel: "silent" });
  return outfile;
}

/**
 * Loads `file` in `runs` fresh Node processes and measures the time of the dynamic `import()` alone
 * (what a Lambda cold start pays for our code before the handler runs).
 */
export function measureLoad(file: string, runs: number): number[] {
  const probe = join(mkdtempSync(join(tmpdir(), "jit-bench-probe-")), "probe.mjs");
  writeFileSync(
    probe,
    `const t0 = process.hrtime.bigint();\nawait import(${JSON.stringify(file)});\nprocess.stdout.write(String(Number(process.hrtime.bigint() - t0) / 1e6));\n`,
  );
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const out = spawnSync(process.execPath, [probe], { encoding: "utf8", env: { PATH: process.env.PATH ?? "" }, timeout: 30_000 });
    if (out.status !== 0) throw new Error(`loading ${file} failed: ${out.stderr}`);
    samples.push(Number(out.stdout));
  }
  return samples;
}

/** Bundles and measures one entry. */
export async function coldStart(name: string, entry: string, options: BuildOptions, runs: number): Promise<ColdStartResult> {
  const file = await bundle(name, entry, options);
  const bytes = readFileSync(file);
  const loadMsSamples = measureLoad(file, runs);
  return {
    name,
    rawBytes: bytes.length,
    gzipBytes: gzipSync(bytes).length,
    loadMsMedian: median(loadMsSamples),
    loadMsSamples,
  };
}
