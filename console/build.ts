import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The console's folder (this file is `console/build.ts`). */
export const CONSOLE_DIR = fileURLToPath(new URL(".", import.meta.url));
/** Where `npm run build` writes the console: served locally and uploaded to S3 by the CDK app. */
export const CONSOLE_DIST_DIR = join(CONSOLE_DIR, "dist");

/** Newest modification time (ms) of the files the build reads. */
function newestSourceMs(): number {
  let newest = 0;
  const visit = (path: string) => {
    const info = statSync(path);
    if (info.isDirectory()) {
      for (const name of readdirSync(path)) visit(join(path, name));
    } else {
      newest = Math.max(newest, info.mtimeMs);
    }
  };
  for (const name of ["src", "index.html", "vite.config.ts", "tsconfig.json"]) {
    const path = join(CONSOLE_DIR, name);
    if (existsSync(path)) visit(path);
  }
  return newest;
}

/** True when console/dist is missing or older than a console source file. */
export function consoleBuildIsStale(): boolean {
  const index = join(CONSOLE_DIST_DIR, "index.html");
  if (!existsSync(index)) return true;
  return statSync(index).mtimeMs < newestSourceMs();
}

/**
 * Rebuilds the console (`vite build`) when it is missing or older than its sources, as `npm start` and
 * `cdk synth` promise (`npm run build` builds it unconditionally).
 * @throws Error with the build's output when the build fails.
 */
export function ensureConsoleBuilt(): void {
  if (!consoleBuildIsStale()) return;
  // The vite command of this project (its package.json "bin"; the bin file is not an export of the package).
  const vitePackage = createRequire(import.meta.url).resolve("vite/package.json");
  const vite = join(dirname(vitePackage), "bin", "vite.js");
  try {
    execFileSync(
      process.execPath,
      [vite, "build", "--config", join(CONSOLE_DIR, "vite.config.ts"), "--logLevel", "warn"],
      {
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
  } catch (err) {
    const e = err as { stdout?: Buffer; stderr?: Buffer; message: string };
    throw new Error(`the console build failed: ${e.stderr?.toString() || e.stdout?.toString() || e.message}`);
  }
}
