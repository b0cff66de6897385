import { parseDurationSeconds } from "#functions/domain/duration.js";
import { UsageError } from "./errors.js";

/** A duration given on the command line, as the API takes it and in seconds. */
export interface CliDuration {
  /** ISO 8601 duration sent to the API (`duration` field), e.g. `PT1H30M`. */
  iso: string;
  /** The same duration in whole seconds. */
  seconds: number;
}

const FRIENDLY = /^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/;
const UNIT_SECONDS = [86_400, 3_600, 60, 1] as const;

/**
 * Reads a `--for` / `--timeout` value. The rule (README, "Durations"):
 *
 * - ISO 8601 (starts with `P`, e.g. `PT1H`, `P1DT2H`): checked and passed through unchanged.
 * - Friendly form: one or more `<whole number><unit>` parts, units `d` (days), `h` (hours), `m` (minutes,
 *   never months), `s` (seconds), largest first, each at most once, no spaces: `1h`, `30m`, `90s`, `1h30m`,
 *   `2d`. Each part becomes the ISO 8601 designator of the same unit: `1h30m` → `PT1H30M`, `90s` →
 *   `PT90S`, `2d` → `P2D`.
 * - A bare whole number is seconds: `600` → `PT600S`.
 *
 * Fractions (`1.5h`), negative values and zero are refused; the server clamps to the entitlement's
 * `maxDuration` or refuses, as documented for the API.
 *
 * @param text the option value.
 * @param option the option name for the error message, e.g. `--for`.
 * @returns the ISO 8601 duration and its length in seconds.
 * @throws UsageError (exit 2) naming the option and the accepted forms.
 */
export function parseCliDuration(text: string, option = "--for"): CliDuration {
  const value = text.trim();
  const help = `${option} takes an ISO 8601 duration (PT1H) or a friendly one (1h, 30m, 90s, 1h30m, 2d)`;
  if (value === "") throw new UsageError(`${help}; got an empty value`);
  if (/^p/i.test(value)) {
    let seconds: number;
    try {
      seconds = parseDurationSeconds(value);
    } catch (err) {
      throw new UsageError(`${option}: ${(err as Error).message}`);
    }
    return checked(value, seconds, option);
  }
  if (/^\d+$/.test(value)) {
    const seconds = Number(value);
    return checked(`PT${seconds}S`, seconds, option);
  }
  const match = FRIENDLY.exec(value);
  if (!match || match.slice(1).every((part) => part === undefined)) {
    throw new UsageError(`${help}; got "${value}"`);
  }
  const [, days, hours, minutes, secs] = match;
  let seconds = 0;
  [days, hours, minutes, secs].forEach((part, i) => {
    if (part !== undefined) seconds += Number(part) * (UNIT_SECONDS[i] as number);
  });
  let time = "";
  if (hours !== undefined) time += `${Number(hours)}H`;
  if (minutes !== undefined) time += `${Number(minutes)}M`;
  if (secs !== undefined) time += `${Number(secs)}S`;
  const iso = `P${days !== undefined ? `${Number(days)}D` : ""}${time ? `T${time}` : ""}`;
  return checked(iso, seconds, option);
}

function checked(iso: string, seconds: number, option: string): CliDuration {
  if (!Number.isSafeInteger(seconds)) throw new UsageError(`${option}: "${iso}" is too large`);
  if (seconds < 1) throw new UsageError(`${option}: the duration must be at least 1 second`);
  return { iso, seconds };
}
