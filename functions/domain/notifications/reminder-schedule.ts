/**
 * When the sweeper reminds (docs/events.md): pending requests are re-announced with backoff (the first
 * reminder `firstAfter` after creation, each later gap twice the previous), an escalation goes out once
 * `escalateBefore` the approval deadline, and a grant's requester is warned once `warnBefore` its expiry.
 * Each reminder has a slot, so the sweeper sends it at most once however often it runs.
 */

/**
 * The latest pending-reminder slot due at `nowMs`, or undefined when none is due yet. Slot k (0-based)
 * is due at `created + firstAfter × (2^(k+1) − 1)`: 1×, 3×, 7×, 15× … the interval.
 */
export function pendingReminderSlot(
  createdAtMs: number,
  firstAfterSeconds: number,
  nowMs: number,
): number | undefined {
  const interval = firstAfterSeconds * 1000;
  if (!(interval > 0) || !Number.isFinite(createdAtMs) || nowMs < createdAtMs + interval) return undefined;
  // (2^(k+1) − 1) × interval ≤ elapsed  ⇔  k ≤ log2(elapsed/interval + 1) − 1
  const k = Math.floor(Math.log2((nowMs - createdAtMs) / interval + 1)) - 1;
  return Math.max(0, Math.min(k, 62));
}

/** Due time (epoch ms) of pending-reminder slot `slot`. */
export function pendingReminderDueMs(createdAtMs: number, firstAfterSeconds: number, slot: number): number {
  return createdAtMs + firstAfterSeconds * 1000 * (2 ** (slot + 1) - 1);
}

/** True when `nowMs` lies in the window `[deadline − leadSeconds, deadline)`. */
export function withinLeadTime(deadlineMs: number, leadSeconds: number, nowMs: number): boolean {
  return Number.isFinite(deadlineMs) && nowMs >= deadlineMs - leadSeconds * 1000 && nowMs < deadlineMs;
}
