import type { Clock } from "#functions/domain/clock.js";

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
