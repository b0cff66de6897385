/**
 * The `jit` CLI's build: one esbuild bundle of cli/main.ts (with commander, jose and zod inside) at
 * dist/cli/jit.mjs, so `jit` starts as one plain ES module instead of compiling TypeScript on every run.
 * `npm run build` (run by `prepare`, so `npm ci` builds it) calls {@link buildCliBundle}; `npm start` and
 * bin/jit.mjs call {@link ensureCliBundle}, which rebuilds only when a source is newer than the bundle.
 *
 * Plain JavaScript on purpose: it runs before anything can compile TypeScript.
 */
import { mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
/** The bundle bin/jit.mjs runs. */
export const CLI_BUNDLE = join(ROOT, "dist", "cli", "jit.mjs");
/** The bundle's source list (esbuild's inputs outside node_modules), read by the staleness check. */
export const CLI_BUNDLE_INPUTS = join(ROOT, "dist", "cli", "inputs.json");
/** Files whose change means new dependencies, so a rebuild. */
const ALWAYS_CHECKED = ["package.json", "package-lock.json", "scripts/build-cli.mjs"];

/**
 * Builds dist/cli/jit.mjs (ES module, node20 target, minified identifiers kept readable in stack traces
 * through a source map) and records its project inputs. Written to temporary files and renamed into
 * place, so concurrent builds and a `jit` starting meanwhile never see half a bundle.
 * @returns the bundle's path.
 */
export async function buildCliBundle() {
  const { build } = await import("esbuild");
  mkdirSync(dirname(CLI_BUNDLE), { recursive: true });
  const suffix = `${process.pid}.${Date.now()}.tmp`;
  const temporary = `${CLI_BUNDLE}.${suffix}`;
  try {
    const result = await build({
      absWorkingDir: ROOT,
      entryPoints: ["cli/main.ts"],
      outfile: temporary,
      bundle: true,
      platform: "node",
      format: "esm",
      target: "node20",
      minifySyntax: true,
      minifyWhitespace: true,
      legalComments: "linked",
      metafile: true,
      logLevel: "warning",
      // A few bundled CommonJS modules call require() for Node built-ins.
      banner: {
        js: 'import { createRequire as __jitCreateRequire } from "node:module"; const require = __jitCreateRequire(import.meta.url);',
      },
    });
    const inputs = Object.keys(result.metafile.inputs)
      .filter((path) => !path.includes("node_modules/"))
      .map((path) => relative(ROOT, resolve(ROOT, path)));
    writeFileSync(`${CLI_BUNDLE_INPUTS}.${suffix}`, `${JSON.stringify({ inputs }, null, 2)}\n`);
    renameSync(`${CLI_BUNDLE_INPUTS}.${suffix}`, CLI_BUNDLE_INPUTS);
    renameSync(temporary, CLI_BUNDLE);
    for (const extra of [".LEGAL.txt"]) rmSync(`${temporary}${extra}`, { force: true });
  } finally {
    rmSync(temporary, { force: true });
  }
  return CLI_BUNDLE;
}

/**
 * Whether the bundle is missing or older than one of its sources (or package.json / package-lock.json).
 * Stats a few dozen files: a few milliseconds.
 */
export function cliBundleIsStale() {
  let builtAt;
  let inputs;
  try {
    builtAt = statSync(CLI_BUNDLE).mtimeMs;
    inputs = JSON.parse(readFileSync(CLI_BUNDLE_INPUTS, "utf8")).inputs;
  } catch {
    return true;
  }
  if (!Array.isArray(inputs) || inputs.length === 0) return true;
  for (const path of [...ALWAYS_CHECKED, ...inputs]) {
    try {
      if (statSync(join(ROOT, path)).mtimeMs > builtAt) return true;
    } catch {
      // A source that is gone was renamed or deleted: rebuild.
      if (!ALWAYS_CHECKED.includes(path)) return true;
    }
  }
  return false;
}

/**
 * Rebuilds the bundle when it is stale.
 * @returns true when it was rebuilt.
 */
export async function ensureCliBundle() {
  if (!cliBundleIsStale()) return false;
  await buildCliBundle();
  return true;
}

// `node scripts/build-cli.mjs` builds; `--if-stale` builds only when a source changed.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  let rebuilt = true;
  if (process.argv.includes("--if-stale")) rebuilt = await ensureCliBundle();
  else await buildCliBundle();
  if (rebuilt) process.stdout.write(`built ${relative(process.cwd(), CLI_BUNDLE)}\n`);
}
