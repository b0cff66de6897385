import { isJitError } from "../domain/errors.js";

/**
 * How often a use case re-reads and retries after losing an optimistic-lock race (a DynamoDB condition
 * or transaction conflict). Each lost race means another writer committed, so the number of retries a
 * caller can need is bounded by the number of concurrent writers; 12 covers dozens of racers (every
 * round commits one of them) while keeping a stuck caller's extra work small.
 */
export const MAX_LOST_RACE_ATTEMPTS = 12;

/** True for the {@link ConflictError} `conflict` that a repository throws when another change won. */
export function isLostRace(err: unknown): boolean {
  return isJitError(err) && err.code === "conflict";
}

/**
 * Waits a random time before retry `attempt` (1-based), "full jitter" over a window that grows linearly
 * (2 ms per attempt, at most 25 ms), so racers that lost together do not collide again in lockstep
 * (https://aws.amazon.com/builders-library/timeouts-retries-and-backoff-with-jitter/).
 */
export function jitterDelay(attempt: number): Promise<void> {
  const windowMs = Math.min(25, 2 * attempt);
  return new Promise((resolve) => setTimeout(resolve, Math.random() * windowMs));
}
