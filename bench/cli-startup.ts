import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { CLI_BUNDLE, ensureCliBundle } from "../scripts/build-cli.mjs";
import { median, round } from "./stats.js";

/**
 * How long `jit --help` takes to start, in fresh Node processes: the launcher with the prebuilt bundle
 * (what a user runs), the same CLI compiled from TypeScript by tsx on every run (what the bundle
 * replaces), and a bare `node -e 0` (the floor: Node's own start-up). Runs are interleaved, so load on
 * the machine hits every variant alike. Wall time per run, and CPU time (user + system) read from the
 * kernel's accounting of waited-for children (`/proc/self/stat`, Linux; `null` elsewhere).
 */

const ROOT = fileURLToPath(new URL("..", import.meta.url));

/** One variant's samples and medians. */
export interface CliStartupVariant {
  name: string;
  command: string;
  wallMsSamples: number[];
  medianWallMs: number;
  /** Median CPU milliseconds (user + system), or null where the platform does not say. */
  medianCpuMs: number | null;
}

/** The `jit --help` start-up measurement. */
export interface CliStartupResults {
  runs: number;
  variants: CliStartupVariant[];
  /** Median wall time of the bundled CLI over bare Node, and over the tsx-compiled CLI. */
  bundleOverNode: number;
  bundleOverTsx: number;
}

const VARIANTS = [
  { name: "jit --help (bin/jit.mjs, bundle)", args: ["bin/jit.mjs", "--help"] },
  { name: "jit --help (tsx, from source)", args: ["--import", "tsx", "cli/main.ts", "--help"] },
  { name: "node -e 0 (Node start-up)", args: ["-e", "0"] },
] as const;

/** CPU ticks of waited-for children so far (`cutime + cstime`), or undefined off Linux. */
function childCpuTicks(): number | undefined {
  if (!existsSync("/proc/self/stat")) return undefined;
  const stat = readFileSync("/proc/self/stat", "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // After ")": state is field 3, so cutime (16) and cstime (17) sit at indexes 13 and 14.
  return Number(fields[13]) + Number(fields[14]);
}

/** Clock ticks per second of /proc times (USER_HZ, 100 on Linux). */
const TICKS_PER_SECOND = 100;

/**
 * Measures {@link VARIANTS}: `runs` rounds, each running every variant once, after one warm-up round
 * (file system caches). The bundle is built first if it is stale.
 * @throws when a run exits non-zero.
 */
export async function measureCliStartup(runs: number): Promise<CliStartupResults> {
  await ensureCliBundle();
  if (!existsSync(CLI_BUNDLE)) throw new Error(`no CLI bundle at ${CLI_BUNDLE}`);
  const wall = VARIANTS.map(() => [] as number[]);
  const cpu = VARIANTS.map(() => [] as number[]);
  for (let round = -1; round < runs; round++) {
    VARIANTS.forEach((variant, i) => {
      const ticksBefore = childCpuTicks();
      const started = process.hrtime.bigint();
      const run = spawnSync(process.execPath, variant.args, {
        cwd: ROOT,
        stdio: ["ignore", "ignore", "pipe"],
      });
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      const ticksAfter = childCpuTicks();
      if (run.status !== 0) throw new Error(`${variant.name} exited ${run.status}: ${run.stderr.toString()}`);
      if (round < 0) return;
      wall[i]?.push(ms);
      if (ticksBefore !== undefined && ticksAfter !== undefined) {
        cpu[i]?.push(((ticksAfter - ticksBefore) * 1000) / TICKS_PER_SECOND);
      }
    });
  }
  const variants = VARIANTS.map((variant, i) => ({
    name: variant.name,
    command: `node ${variant.args.join(" ")}`,
    wallMsSamples: (wall[i] ?? []).map((ms) => round(ms, 1)),
    medianWallMs: round(median(wall[i] ?? []), 1),
    medianCpuMs: (cpu[i] ?? []).length === runs ? round(median(cpu[i] ?? []), 0) : null,
  }));
  const [bundle, tsx, node] = variants as [CliStartupVariant, CliStartupVariant, CliStartupVariant];
  return {
    runs,
    variants,
    bundleOverNode: round(bundle.medianWallMs / node.medianWallMs, 2),
    bundleOverTsx: round(bundle.medianWallMs / tsx.medianWallMs, 2),
  };
}

/** The start-up table, Markdown, for the report. */
export function cliStartupTable(results: CliStartupResults): string {
  return [
    `### CLI start-up (median of ${results.runs} fresh processes each, interleaved)`,
    "",
    "| command | wall ms (median) | CPU ms (median) |",
    "|---|---:|---:|",
    ...results.variants.map((v) => `| \`${v.command}\` | ${v.medianWallMs} | ${v.medianCpuMs ?? "n/a"} |`),
    "",
    `Bundled CLI: ${results.bundleOverNode} × bare Node start-up, ${results.bundleOverTsx} × the tsx-compiled CLI (wall time).`,
    "",
  ].join("\n");
}

// `npx tsx bench/cli-startup.ts [runs]`: this section alone (`npm run bench` runs it with the rest).
if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const runs = Number(process.argv[2] ?? 15);
  process.stdout.write(cliStartupTable(await measureCliStartup(runs)));
}
