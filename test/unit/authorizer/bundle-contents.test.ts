import { join } from "node:path";
import { build } from "esbuild";
import { describe, expect, it } from "vitest";
import { esbuildBuildOptions, HANDLERS_DIR } from "#infra/bundling.js";

// Bundling takes seconds on a busy 2-core machine.
/** The source files esbuild puts in a handler's deployed bundle. */
async function bundledInputs(handler: string): Promise<string[]> {
  const result = await build({
    ...esbuildBuildOptions(join(HANDLERS_DIR, `${handler}.ts`), "/tmp/unused/index.mjs"),
    write: false,
    metafile: true,
    logLevel: "silent",
  });
  return Object.keys(result.metafile.inputs);
}

describe("what the JIT authorizer's bundle loads", () => {
  it("leaves out Powertools Metrics: its decisions are counted from log lines, not EMF", async () => {
    const inputs = await bundledInputs("jit-authorizer");
    expect(inputs.some((p) => p.includes("@aws-lambda-powertools/logger"))).toBe(true);
    expect(inputs.filter((p) => p.includes("@aws-lambda-powertools/metrics"))).toEqual([]);
    expect(inputs.filter((p) => p.includes("adapters/metrics/"))).toEqual([]);
  }, 60_000);

  it("while the workflow and delivery Lambdas bundle it", async () => {
    for (const handler of ["approve-request", "notify-webhook"]) {
      const inputs = await bundledInputs(handler);
      expect(
        inputs.some((p) => p.includes("@aws-lambda-powertools/metrics")),
        handler,
      ).toBe(true);
    }
  }, 60_000);
});
