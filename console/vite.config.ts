import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { defineConfig, type Plugin } from "vite";

/** Most JavaScript the first page load may fetch, gzipped, in bytes. */
export const FIRST_LOAD_JS_LIMIT_BYTES = 150 * 1024;

/**
 * Prints the gzipped size of the JavaScript a first page load fetches (the entry chunk and every chunk it
 * imports statically) and fails the build above {@link FIRST_LOAD_JS_LIMIT_BYTES}.
 */
function firstLoadBudget(): Plugin {
  return {
    name: "jit-access-first-load-budget",
    apply: "build",
    generateBundle(_options, bundle) {
      const chunks = new Map<string, { code: string; imports: string[] }>();
      const entries: string[] = [];
      for (const [fileName, output] of Object.entries(bundle)) {
        if (output.type !== "chunk") continue;
        chunks.set(fileName, { code: output.code, imports: output.imports });
        if (output.isEntry) entries.push(fileName);
      }
      const seen = new Set<string>();
      const walk = (fileName: string) => {
        if (seen.has(fileName)) return;
        seen.add(fileName);
        for (const imported of chunks.get(fileName)?.imports ?? []) walk(imported);
      };
      for (const entry of entries) walk(entry);
      let gzipped = 0;
      for (const fileName of seen) gzipped += gzipSync(chunks.get(fileName)?.code ?? "", { level: 9 }).length;
      const kb = (gzipped / 1024).toFixed(1);
      const message = `console: first-load JavaScript ${kb} KB gzipped (${seen.size} file${seen.size === 1 ? "" : "s"}; limit ${FIRST_LOAD_JS_LIMIT_BYTES / 1024} KB)`;
      if (gzipped > FIRST_LOAD_JS_LIMIT_BYTES) this.error(message);
      // Printed directly: it is the one line of the build a reader needs, even with --logLevel warn.
      process.stdout.write(`${message}\n`);
    },
  };
}

/** The console's Vite build: console/ → console/dist (served by the local stack and by CloudFront). */
export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  base: "/",
  // No public/ folder: config.json is written by whoever serves the console (local stack or CDK).
  publicDir: false,
  oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
    sourcemap: false,
    // Vite would inline small assets as data: URLs; everything is a file, so the CSP stays 'self'.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
  },
  plugins: [firstLoadBudget()],
});
