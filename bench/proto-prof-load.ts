import { readFileSync } from "node:fs";
import { join } from "node:path";
import { build, type Plugin } from "esbuild";
import { esbuildBuildOptions, HANDLERS_DIR } from "../infra/bundling.js";
const zodns: Plugin = { name: "zodns", setup(b) { b.onLoad({ filter: /functions\/.*\.ts$/ }, (a) => ({ contents: readFileSync(a.path, "utf8").replace(/import \{ z \} from "zod";/g, 'import * as z from "zod";'), loader: "ts" })); } };
await build({ ...esbuildBuildOptions(join(HANDLERS_DIR, process.argv[2] ?? "jit-authorizer.ts"), "/tmp/bp/plain/index.mjs"), minify: false, sourcemap: false, plugins: process.env.NS ? [zodns] : [] });
