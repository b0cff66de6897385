import { join } from "node:path";
import { build } from "esbuild";
import { esbuildBuildOptions, HANDLERS_DIR } from "../infra/bundling.js";
const entry = process.argv[2] ?? "jit-authorizer.ts";
const r = await build({ ...esbuildBuildOptions(join(HANDLERS_DIR, entry), "/tmp/bp/meta/index.mjs"), metafile: true, write: false });
const out = Object.values(r.metafile!.outputs).find(o => o.entryPoint)!;
const by = new Map<string, number>();
for (const [path, v] of Object.entries(out.inputs)) {
  const m = path.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/);
  const k = m ? m[1]! : path.split("/").slice(0, 2).join("/");
  by.set(k, (by.get(k) ?? 0) + v.bytesInOutput);
}
for (const [k, v] of [...by].sort((a, b) => b[1] - a[1]).slice(0, 40)) console.log(String(v).padStart(8), k);
const z = Object.entries(out.inputs).filter(([p]) => p.includes("zod")).sort((a, b) => b[1].bytesInOutput - a[1].bytesInOutput);
console.log(z.length, "zod files"); for (const [p, v] of z.slice(0, 15)) console.log(v.bytesInOutput, p);
