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

/** A clock that stands still until moved: for tests and benchmarks. */
export class ManualClock implements Clock {
  constructor(private currentMs: number) {}
  nowMs(): number {
    return this.currentMs;
  }
  /** Moves the clock forward by `ms` milliseconds. */
  advance(ms: number): void {
    this.currentMs += ms;
  }
  /** Sets the clock to `ms` epoch milliseconds. */
  set(ms: number): void {
    this.currentMs = ms;
  }
}
