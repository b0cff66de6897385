import { parseCliDuration } from "./duration.js";
import { UsageError } from "./errors.js";

const HELP =
  "--start takes a time: 2026-01-31T09:00Z (with a zone), 2026-01-31T09:00 (your local time), " +
  "09:00 (its next occurrence, local time) or +2h / +PT2H (from now)";
/** A start this far in the past is taken as a typo rather than "now" (seconds). */
const PAST_SLACK_SECONDS = 60;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})?$/i;
const CLOCK_TIME = /^(\d{1,2}):(\d{2})$/;

/**
 * Reads `jit request --start <time>`: when the grant window should begin (the API's `startsAt`).
 *
 * - `+<duration>` (friendly `+2h`, `+1h30m`, or ISO 8601 `+PT2H`): that long from now.
 * - An ISO 8601 date-time: with a zone (`Z`, `+02:00`) as given; without one, in the local time zone of this
 *   machine (the API itself insists on a zone, so the CLI resolves it here and sends UTC).
 * - `HH:MM`: the next time the local clock shows it (today, or tomorrow when already past).
 *
 * @param text the option value. @param nowMs the current time, epoch milliseconds.
 * @returns the start as an ISO 8601 UTC date-time (`toISOString()`), e.g. `2026-01-31T09:00:00.000Z`.
 * @throws UsageError (exit 2) for anything else, or a time more than a minute in the past.
 */
export function parseStartTime(text: string, nowMs: number): string {
  const value = text.trim();
  let ms: number;
  if (value.startsWith("+")) {
    ms = nowMs + parseCliDuration(value.slice(1), "--start").seconds * 1000;
  } else if (DATE_TIME.test(value)) {
    // ECMAScript reads a date-time without an offset as local time, which is what a person typing one means.
    ms = Date.parse(value);
  } else {
    const clock = CLOCK_TIME.exec(value);
    if (!clock) throw new UsageError(`${HELP}; got "${value}"`);
    const [hours, minutes] = [Number(clock[1]), Number(clock[2])];
    if (hours > 23 || minutes > 59) throw new UsageError(`${HELP}; got "${value}"`);
    const at = new Date(nowMs);
    at.setHours(hours, minutes, 0, 0);
    if (at.getTime() <= nowMs) at.setDate(at.getDate() + 1);
    ms = at.getTime();
  }
  if (!Number.isFinite(ms)) throw new UsageError(`${HELP}; "${value}" is not a valid time`);
  if (ms < nowMs - PAST_SLACK_SECONDS * 1000) {
    throw new UsageError(
      `--start ${value} is in the past (${new Date(ms).toISOString()}); leave --start out to start at approval`,
    );
  }
  return new Date(ms).toISOString();
}
