import { throwingEntry } from "../adapters/lambda/lazy-entry.js";
import { createLogger } from "../adapters/logging/logger.js";
import { type SweeperHandlerDeps, sweeperDepsFromEnvironment } from "../composition/notify.js";
import { sweepReminders } from "../use-cases/sweep-reminders.js";

/** The sweeper's result: how many reminders this run put on the bus. */
export type SweeperHandler = (event: unknown) => Promise<{ sent: number }>;

/**
 * Run every minute by EventBridge Scheduler (the event carries nothing it needs): one reminder sweep
 * (`sweepReminders`). A failure is thrown, so Scheduler's retry policy and the next run pick it up.
 */
export function createSweeperHandler(deps: SweeperHandlerDeps): SweeperHandler {
  return async () => {
    const sent = await sweepReminders(deps);
    for (const reminder of sent) deps.logger.info("reminder sent", { ...reminder });
    return { sent: sent.length };
  };
}

/**
 * Lambda entry: builds dependencies from the environment on first invocation, once per container.
 * While they cannot be built the invocation fails, so Lambda retries it and nothing is acknowledged.
 */
export const handler: SweeperHandler = throwingEntry(
  () => createSweeperHandler(sweeperDepsFromEnvironment()),
  createLogger("jit-reminder-sweeper"),
);
