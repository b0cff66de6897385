import { parseArgs } from "node:util";
import { ensureSigningKey, startKmsServer } from "./kms-server.js";

/**
 * Runs the local KMS-compatible endpoint on its own, for trying the SDK or the CLI against it:
 * `npx tsx local/kms-server-main.ts [--data-dir DIR] [--port N] [--alias alias/jit-access-signing]`.
 * Prints the endpoint and the signing key, then serves until SIGINT/SIGTERM.
 */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      "data-dir": { type: "string" },
      port: { type: "string" },
      alias: { type: "string", default: "alias/jit-access-signing" },
    },
    strict: true,
  });
  const port = values.port === undefined ? undefined : Number(values.port);
  if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65_535)) {
    throw new Error(`--port must be an integer between 0 and 65535, got "${values.port}"`);
  }
  const server = await startKmsServer({ dataDir: values["data-dir"], port });
  const key = await ensureSigningKey(server.endpoint, values.alias as string);
  process.stdout.write(`${JSON.stringify({ endpoint: server.endpoint, signingKey: key })}\n`);
  const shutdown = () => {
    server.stop().then(() => process.exit(0));
  };
  process.once("SIGINT", shutdown);
  process.once("SIGTERM", shutdown);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
