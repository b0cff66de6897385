// Node 20 is supported; the AWS SDK's notice that its 2027 releases need Node 22 is noise in the report.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { measureCallCounts, measureMissPath, measureWarmPath } from "./authorizer-path.js";
import { AUTHORIZER, AUTHORIZER_VARIANTS, coldStartSpecs, REFERENCE } from "./bundles.js";
import { cliStartupTable, measureCliStartup } from "./cli-startup.js";
import { type ColdStartResult, measureColdStarts } from "./cold-start.js";
import { createBenchIssuer, measureIssuePath } from "./issue-path.js";
import { type BenchStack, startBenchStack } from "./local-stack.js";
import { type BenchResults, checkTargets, printReport } from "./report.js";
import { medianRatio } from "./stats.js";

/**
 * `npm run bench`: measures the authorizer's warm path and cache misses, token issue, the
 * AWS calls per authorization and per token, and every Lambda bundle's size and module load time, then
 * prints a table and writes bench/results.json. `--quick` runs a few rounds only, as a smoke test, and
 * writes nothing. Not part of `npm test`: it asserts nothing, it reports.
 */

const quick = process.argv.includes("--quick");
const plan = quick
  ? {
      cold: { warmupRounds: 0, rounds: 2 },
      warm: { callsPerBatch: 50, warmupRounds: 2, rounds: 4 },
      miss: { callsPerBatch: 10, warmupRounds: 1, rounds: 3 },
      issue: { batchSize: 10, warmupRounds: 1, rounds: 2 },
      counts: { authorizationsPerWindow: 20, revocationCacheSeconds: 30 },
    }
  : {
      cold: { warmupRounds: 1, rounds: 15 },
      warm: { callsPerBatch: 200, warmupRounds: 10, rounds: 80 },
      miss: { callsPerBatch: 20, warmupRounds: 3, rounds: 30 },
      issue: { batchSize: 20, warmupRounds: 2, rounds: 15 },
      counts: { authorizationsPerWindow: 100, revocationCacheSeconds: 30 },
    };

const startedAt = Date.now();
const bundleDir = mkdtempSync(join(tmpdir(), "jit-bench-bundles-"));
let stack: BenchStack | undefined;

async function cleanUp(): Promise<void> {
  const running = stack;
  stack = undefined;
  await running?.stop();
  rmSync(bundleDir, { recursive: true, force: true });
}

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    void cleanUp().finally(() => process.exit(130));
  });
}

const log = (line: string) =>
  process.stderr.write(`[bench ${((Date.now() - startedAt) / 1000).toFixed(0)}s] ${line}\n`);

try {
  // Cold starts first, while no DynamoDB Local (a JVM) competes for the two cores.
  log("3. bundling every handler and loading each bundle in fresh Node processes");
  const cold = await measureColdStarts(coldStartSpecs(bundleDir), { dir: bundleDir, ...plan.cold });

  log("6. CLI start-up: jit --help in fresh Node processes");
  const cliStartup = await measureCliStartup(quick ? 3 : 15);

  log("starting DynamoDB Local and the KMS-compatible endpoint");
  stack = await startBenchStack();
  const issuer = createBenchIssuer(stack);
  const grants = [await stack.putGrant(), await stack.putGrant()];
  const tokens: string[] = [];
  for (const grant of grants) tokens.push(await issuer.issue(grant.requestId));
  const [token, secondToken] = tokens as [string, string];
  const [grant] = grants as [(typeof grants)[number]];

  log("1. authorizer warm path against jose.jwtVerify and node:crypto");
  const warm = await measureWarmPath(stack, token, plan.warm);
  log("2. authorizer with every grant read from DynamoDB Local");
  const miss = await measureMissPath(stack, token, grant.requestId, plan.miss);
  log("4. token issue through the handler");
  const issue = await measureIssuePath(stack, plan.issue);
  log("5. AWS calls per authorization over two cache windows");
  const counts = await measureCallCounts(stack, [token, secondToken], plan.counts);

  const byName = new Map(cold.map((c) => [c.name, c]));
  const get = (name: string): ColdStartResult => {
    const found = byName.get(name);
    if (found === undefined) throw new Error(`no cold-start result for ${name}`);
    return found;
  };
  const authorizerLoadOverReference = medianRatio(
    get(AUTHORIZER).loadMsSamples,
    get(REFERENCE).loadMsSamples,
  );
  const results: BenchResults = {
    generatedAt: new Date().toISOString(),
    quick,
    environment: {
      node: process.version,
      platform: `${process.platform} ${process.arch}`,
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? "unknown",
    },
    durationSeconds: 0,
    warmPath: warm,
    missPath: miss,
    coldStart: {
      runsPerBundle: plan.cold.rounds,
      reference: REFERENCE,
      authorizer: AUTHORIZER,
      authorizerLoadOverReference,
      variants: Object.values(AUTHORIZER_VARIANTS),
      bundles: cold.map(({ loadMsSamples, bytesByPackage, ...rest }) => ({
        ...rest,
        loadMsSamples: loadMsSamples.map((ms) => Math.round(ms * 10) / 10),
        // What a bundle holds, for the two the target compares.
        bytesByPackage: rest.name === AUTHORIZER || rest.name === REFERENCE ? bytesByPackage : {},
      })),
    },
    issuePath: issue,
    callCounts: counts,
    targets: [],
  };
  results.targets = checkTargets(results);
  await cleanUp();
  results.durationSeconds = Math.round((Date.now() - startedAt) / 1000);
  printReport(results);
  process.stdout.write(`\n${cliStartupTable(cliStartup)}`);
  if (!quick) {
    writeFileSync(
      new URL("./results.json", import.meta.url),
      `${JSON.stringify({ ...results, cliStartup }, null, 2)}\n`,
    );
    log("wrote bench/results.json");
  }
} catch (err) {
  await cleanUp();
  throw err;
}
