/**
 * Builds the construct package `jit-access/constructs` (package.json `exports`) into dist/constructs:
 *
 * - `assets/<handler>/index.mjs`: the prebuilt Lambda bundles of the JIT authorizer and its key reader,
 *   built with the same esbuild settings as every deployed Lambda (infra/bundling.ts);
 * - `index.js`: infra/constructs-package.ts bundled as one ES module, with npm packages (aws-cdk-lib,
 *   constructs, zod, yaml) left as imports, so the consuming app's aws-cdk-lib is the one in use;
 * - `index.d.ts` and `types/`: the type declarations, with the repository's `#…` import aliases turned
 *   into relative paths so they resolve inside an installed package.
 *
 * Run by `npm run build` (and so by `prepare` and `npm ci`): `node --import tsx scripts/build-constructs.ts`.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { build } from "esbuild";
import { esbuildBuildOptions, HANDLERS_DIR, PROJECT_ROOT } from "#infra/bundling.js";
import { PREBUILT_HANDLERS } from "#infra/constructs-package.js";

/** Where the package entry points (package.json `exports["./constructs"]`). */
export const CONSTRUCTS_DIST = join(PROJECT_ROOT, "dist", "constructs");

/** package.json `imports` aliases → the folders they name. */
const ALIASES = JSON.parse(readFileSync(join(PROJECT_ROOT, "package.json"), "utf8")).imports as Record<
  string,
  string
>;

export async function buildConstructsPackage(): Promise<void> {
  rmSync(CONSTRUCTS_DIST, { recursive: true, force: true });
  for (const handler of PREBUILT_HANDLERS) {
    await build(
      esbuildBuildOptions(
        join(HANDLERS_DIR, `${handler}.ts`),
        join(CONSTRUCTS_DIST, "assets", handler, "index.mjs"),
      ),
    );
  }
  await build({
    absWorkingDir: PROJECT_ROOT,
    entryPoints: ["infra/constructs-package.ts"],
    outfile: join(CONSTRUCTS_DIST, "index.js"),
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    packages: "external",
    sourcemap: true,
    sourcesContent: false,
    logLevel: "warning",
  });
  declarations();
}

/** tsc's declarations of the entry and everything it imports, under types/, aliases made relative. */
function declarations(): void {
  const config = join(CONSTRUCTS_DIST, "tsconfig.declarations.json");
  mkdirSync(CONSTRUCTS_DIST, { recursive: true });
  writeFileSync(
    config,
    JSON.stringify({
      extends: "../../tsconfig.json",
      compilerOptions: {
        noEmit: false,
        declaration: true,
        emitDeclarationOnly: true,
        rootDir: "../..",
        outDir: "types",
      },
      include: ["../../infra/constructs-package.ts"],
    }),
  );
  execFileSync(
    process.execPath,
    [join(PROJECT_ROOT, "node_modules", "typescript", "bin", "tsc"), "-p", config],
    {
      stdio: "inherit",
    },
  );
  rmSync(config);
  const types = join(CONSTRUCTS_DIST, "types");
  for (const file of walk(types).filter((f) => f.endsWith(".d.ts"))) {
    const text = readFileSync(file, "utf8").replace(
      /(["'])(#[a-z]+\/)([^"']+)\1/g,
      (whole, quote, alias, rest) => {
        const target = ALIASES[`${alias}*`];
        if (target === undefined) return whole;
        let path = relative(dirname(file), join(types, target.replace(/\*$/, ""), rest));
        if (!path.startsWith(".")) path = `./${path}`;
        return `${quote}${path}${quote}`;
      },
    );
    writeFileSync(file, text);
  }
  writeFileSync(
    join(CONSTRUCTS_DIST, "index.d.ts"),
    'export * from "./types/infra/constructs-package.js";\n',
  );
}

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/\\/g, "/"))) {
  await buildConstructsPackage();
}
