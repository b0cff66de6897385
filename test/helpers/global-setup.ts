import { ensureConsoleBuilt } from "#console/build.js";
import { startDynamoDbLocal } from "#local/dynamodb-local.js";
import { DYNAMODB_ENDPOINT_ENV } from "./dynamodb.js";

/**
 * Vitest global setup: builds the console if its sources changed, and starts one in-memory DynamoDB Local
 * for the whole run. Several projects list this
 * file; the first call starts the process and records its endpoint in the environment (which test
 * workers inherit), later calls see it and reuse it, and only the starter stops it.
 */
export default async function setup(): Promise<(() => Promise<void>) | undefined> {
  if (process.env[DYNAMODB_ENDPOINT_ENV]) return undefined;
  // Local stacks of parallel suites serve the built console: build it once here, before any of them
  // starts, rather than racing to rebuild it.
  ensureConsoleBuilt();
  const db = await startDynamoDbLocal();
  process.env[DYNAMODB_ENDPOINT_ENV] = db.endpoint;
  const killOnExit = () => {
    try {
      process.kill(db.pid, "SIGKILL");
    } catch {
      // already stopped
    }
  };
  process.once("exit", killOnExit);
  return async () => {
    process.off("exit", killOnExit);
    await db.stop();
  };
}
