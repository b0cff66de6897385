import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Plugin } from "esbuild";
import { esbuildBuildOptions, HANDLERS_DIR } from "../infra/bundling.js";
import { measureColdStarts, type BundleSpec } from "./cold-start.js";
const zodns: Plugin = { name: "zodns", setup(b) { b.onLoad({ filter: /functions\/.*\.ts$/ }, (a) => ({ contents: readFileSync(a.path, "utf8").replace(/import \{ z \} from "zod";/g, 'import * as z from "zod";'), loader: "ts" })); } };
const stub = (pkg: RegExp, contents: string): Plugin => ({ name: "stub" + pkg, setup(b) { b.onResolve({ filter: pkg }, (a) => ({ path: a.path, namespace: "stub" })); b.onLoad({ filter: /.*/, namespace: "stub" }, () => ({ contents, loader: "js" })); } });
const auth = join(HANDLERS_DIR, "jit-authorizer.ts");
const o = (name: string, plugins: Plugin[]) => ({ ...esbuildBuildOptions(auth, `/tmp/bp/stub/${name}/index.mjs`), plugins });
const SM = ["--enable-source-maps"];
const specs: BundleSpec[] = [
  { name: "reference", options: esbuildBuildOptions(join(process.cwd(), "bench/reference-lambda.ts"), "/tmp/bp/stub/ref/index.mjs"), nodeArgs: SM },
  { name: "zodns", options: o("zodns", [zodns]), nodeArgs: SM },
  { name: "zodns-noyaml", options: o("noyaml", [zodns, stub(/^yaml$/, "export const parse = () => ({});")]), nodeArgs: SM },
  { name: "zodns-nokms", options: o("nokms", [zodns, stub(/^@aws-sdk\/client-kms$/, "export class KMSClient {}; export class GetPublicKeyCommand {}")]), nodeArgs: SM },
  { name: "zodns-nologger", options: o("nolog", [zodns, stub(/^@aws-lambda-powertools\/logger$/, "export class Logger { info(){} error(){} }")]), nodeArgs: SM },
  { name: "zodns-nozod", options: o("nozod", [stub(/^zod$/, "const p = new Proxy(function(){}, { get: () => p, apply: () => p }); export const z = p;")]), nodeArgs: SM },
];
const r = await measureColdStarts(specs, { dir: "/tmp/bp/stub", warmupRounds: 1, rounds: 10 });
for (const x of r) console.log(x.name.padEnd(26), String(x.rawBytes).padStart(9), String(x.gzipBytes).padStart(8), x.loadMsMedian.toFixed(1));
