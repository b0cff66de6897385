import { defineConfig } from "vitest/config";

// One DynamoDB Local per run: the global setup starts it once and shares its endpoint through the
// environment, so every suite of every project that needs it talks to the same process.
const globalSetup = ["test/helpers/global-setup.ts"];
const setupFiles = ["test/helpers/setup-tables.ts"];

export default defineConfig({
  test: {
    pool: "forks",
    // Node 20 is supported; the AWS SDK's notice that its 2027 releases need Node 22 is noise in test output.
    // Metric lines (EMF) are noise too; the metrics tests turn them back on to read them.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true", POWERTOOLS_METRICS_DISABLED: "true" },
    // CI also writes a machine-readable summary, from which .ci/run prints its closing count line.
    ...(process.env.CI
      ? { reporters: ["default", "json"], outputFile: { json: ".ci/test-results.json" } }
      : {}),
    projects: [
      { test: { name: "unit", include: ["test/unit/**/*.test.ts"] } },
      {
        test: {
          name: "integration",
          include: ["test/integration/**/*.test.ts"],
          globalSetup,
          setupFiles,
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: "e2e",
          include: ["test/e2e/**/*.test.ts"],
          globalSetup,
          setupFiles,
          testTimeout: 90_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          // The console in real Chromium against the local stack: one browser per run (browser-setup.ts).
          name: "browser",
          include: ["test/browser/**/*.test.ts"],
          globalSetup: [...globalSetup, "test/helpers/browser-setup.ts"],
          setupFiles,
          testTimeout: 180_000,
          hookTimeout: 180_000,
        },
      },
      {
        test: {
          name: "infra",
          include: ["test/infra/**/*.test.ts"],
          testTimeout: 180_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
