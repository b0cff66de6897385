import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { type BuildOptions, build } from "esbuild";
import { median } from "./stats.js";

/** A bundle to measure: built by esbuild with `options`, loaded with `nodeArgs`. */
export interface BundleSpec {
  name: string;
  /** Full esbuild options (entry point and outfile included). */
  options: BuildOptions;
  /** Flags of the Node processes that load it (the Lambdas run with `--enable-source-maps`). */
  nodeArgs: string[];
}

/** One bundle's cold-start figures. */
export interface ColdStartResult {
  name: string;
  /** Size of the JavaScript file (the source map is not loaded unless an error is mapped). */
  rawBytes: number;
  gzipBytes: number;
  /** Median module load time (wall clock) over fresh Node processes, milliseconds. */
  loadMsMedian: number;
  loadMsSamples: number[];
  /**
   * Median CPU time (user + system, every thread of the process) spent during the load, milliseconds:
   * less sensitive than the wall clock to other processes on a shared machine.
   */
  cpuMsMedian: number;
  /** Bytes of the bundle by npm package (`functions` etc. for our own folders), largest first. */
  bytesByPackage: Record<string, number>;
}

/** Builds `spec` and returns the output file path, its size, and what it holds (esbuild's metafile). */
export async function buildBundle(
  spec: BundleSpec,
): Promise<{ file: string; raw: number; gzip: number; bytesByPackage: Record<string, number> }> {
  const result = await build({ ...spec.options, write: true, metafile: true, logLevel: "error" });
  const file = spec.options.outfile;
  if (file === undefined) throw new Error(`${spec.name}: esbuild options without outfile`);
  const bytes = readFileSync(file);
  const byPackage = new Map<string, number>();
  for (const output of Object.values(result.metafile.outputs)) {
    for (const [path, input] of Object.entries(output.inputs)) {
      const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path)?.[1] ?? path.split("/")[0] ?? path;
      byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + input.bytesInOutput);
    }
  }
  const bytesByPackage = Object.fromEntries([...byPackage].sort((a, b) => b[1] - a[1]));
  return { file, raw: bytes.length, gzip: gzipSync(bytes).length, bytesByPackage };
}

/**
 * Writes the probe every load runs: the time of the dynamic `import()` of the bundle alone, i.e. what a
 * Lambda cold start pays for the function's code before the first invocation (the runtime's own start
 * and the first invocation's lazy initialisation are outside it).
 */
function writeProbe(dir: string): string {
  const probe = join(dir, "probe.mjs");
  writeFileSync(
    probe,
    [
      "const c0 = process.cpuUsage();",
      "const t0 = process.hrtime.bigint();",
      "await import(process.argv[2]);",
      "const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;",
      "const cpu = process.cpuUsage(c0);",
      "process.stdout.write(JSON.stringify({ wallMs, cpuMs: (cpu.user + cpu.system) / 1000 }));",
      "",
    ].join("\n"),
  );
  return probe;
}

/**
 * Builds every bundle, then loads each in fresh Node processes, one process per bundle per round, the
 * bundles alternating within each round (so a noisy moment hits every bundle, not one). The first
 * `warmupRounds` rounds (file cache) are not kept. The environment of the processes holds only `PATH`:
 * importing a handler must not need its configuration.
 */
export async function measureColdStarts(
  specs: readonly BundleSpec[],
  options: { dir: string; warmupRounds: number; rounds: number },
): Promise<ColdStartResult[]> {
  mkdirSync(options.dir, { recursive: true });
  const probe = writeProbe(options.dir);
  const built = [];
  for (const spec of specs) {
    built.push({ spec, ...(await buildBundle(spec)), samples: [] as number[], cpu: [] as number[] });
  }
  for (let r = 0; r < options.warmupRounds + options.rounds; r++) {
    for (let i = 0; i < built.length; i++) {
      const b = built[(r + i) % built.length];
      if (b === undefined) continue;
      const out = spawnSync(process.execPath, [...b.spec.nodeArgs, probe, b.file], {
        encoding: "utf8",
        env: { PATH: process.env.PATH ?? "" },
        timeout: 30_000,
      });
      if (out.status !== 0) throw new Error(`loading ${b.spec.name} failed: ${out.stderr}`);
      if (r >= options.warmupRounds) {
        const { wallMs, cpuMs } = JSON.parse(out.stdout) as { wallMs: number; cpuMs: number };
        b.samples.push(wallMs);
        b.cpu.push(cpuMs);
      }
    }
  }
  return built.map((b) => ({
    name: b.spec.name,
    rawBytes: b.raw,
    gzipBytes: b.gzip,
    loadMsMedian: median(b.samples),
    loadMsSamples: b.samples,
    cpuMsMedian: median(b.cpu),
    bytesByPackage: b.bytesByPackage,
  }));
}
