#!/usr/bin/env node
import { pathToFileURL } from "node:url";
// Launcher of the `jit` CLI. It runs the prebuilt bundle dist/cli/jit.mjs (made by `npm run build`, which
// `npm ci` runs through `prepare`), so a command starts without compiling TypeScript. In a checkout whose
// CLI sources changed since that build, the bundle is rebuilt first (esbuild, well under a second); where
// esbuild is not installed, the TypeScript sources run through tsx instead (slower, same behaviour).
import { CLI_BUNDLE, cliBundleIsStale, ensureCliBundle } from "../scripts/build-cli.mjs";

let entry = pathToFileURL(CLI_BUNDLE).href;
if (cliBundleIsStale()) {
  try {
    await ensureCliBundle();
  } catch {
    const { register } = await import("tsx/esm/api");
    register();
    entry = new URL("../cli/main.ts", import.meta.url).href;
  }
}
await import(entry);
