import { readFileSync } from "node:fs";
import { join } from "node:path";
import { build, type Plugin } from "esbuild";
import { esbuildBuildOptions, HANDLERS_DIR } from "../infra/bundling.js";
const rewrite: Plugin = { name: "zodns", setup(b) { b.onLoad({ filter: /functions\/.*\.ts$/ }, (a) => ({ contents: readFileSync(a.path, "utf8").replace(/import \{ z \} from "zod";/g, 'import * as z from "zod";'), loader: "ts" })); } };
for (const [name, plugins] of [["as-is", []], ["ns-import", [rewrite]]] as const) {
  const r = await build({ ...esbuildBuildOptions(join(HANDLERS_DIR, "jit-authorizer.ts"), `/tmp/bp/zod-${name}/index.mjs`), plugins: [...plugins], metafile: true });
  const out = Object.values(r.metafile!.outputs).find(o => o.entryPoint)!;
  let zod = 0; for (const [p, v] of Object.entries(out.inputs)) if (p.includes("node_modules/zod")) zod += v.bytesInOutput;
  console.log(name, out.bytes, "zod", zod);
}
