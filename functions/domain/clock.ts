/** A source of the current time, injected so tests can move it. */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  nowMs(): number;
}

/** The real clock. */
export const systemClock: Clock = { nowMs: () => Date.now() };

/** Epoch seconds (RFC 7519 NumericDate, whole seconds) of `clock` now. */
export function nowEpochSeconds(clock: Clock): number {
  return Math.floor(clock.nowMs() / 1000);
}
