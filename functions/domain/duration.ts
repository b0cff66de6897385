import { parse as parseIso8601Duration } from "tinyduration";

/**
 * Parses an ISO 8601 duration (`PT1H`, `P1DT12H`, `PT90S`, `P1W`) into whole seconds.
 *
 * Years and months are refused: their length depends on the calendar, and a grant window must be exact.
 * Fractions are accepted on the smallest unit and rounded down to whole seconds.
 *
 * @param text ISO 8601 duration (ISO 8601-1:2019 §5.5.2), e.g. "PT15M".
 * @returns the duration in seconds (integer, ≥ 0).
 * @throws RangeError with a message naming what is wrong (callers prefix the field path).
 */
export function parseDurationSeconds(text: string): number {
  let parsed: ReturnType<typeof parseIso8601Duration>;
  // The parser tolerates surrounding white space; a policy or API value with it is a typo, not a duration.
  if (text.trim() !== text) throw new RangeError(`"${text}" has surrounding white space`);
  try {
    parsed = parseIso8601Duration(text);
  } catch {
    throw new RangeError(`"${text}" is not an ISO 8601 duration (examples: "PT15M", "PT1H", "P1D")`);
  }
  if (parsed.negative) throw new RangeError(`"${text}" is negative; durations must be positive`);
  if (parsed.years || parsed.months) {
    throw new RangeError(
      `"${text}" uses years or months, whose length varies; use weeks, days, hours, minutes or seconds`,
    );
  }
  const seconds =
    (parsed.weeks ?? 0) * 604_800 +
    (parsed.days ?? 0) * 86_400 +
    (parsed.hours ?? 0) * 3_600 +
    (parsed.minutes ?? 0) * 60 +
    (parsed.seconds ?? 0);
  if (!Number.isFinite(seconds)) throw new RangeError(`"${text}" is too large`);
  return Math.floor(seconds);
}

/**
 * Formats seconds as a compact ISO 8601 duration (`PT1H30M`, `P1DT2H`, `PT0S`), the form the API returns.
 * @param totalSeconds non-negative integer seconds.
 */
export function formatDurationSeconds(totalSeconds: number): string {
  let rest = Math.max(0, Math.floor(totalSeconds));
  const days = Math.floor(rest / 86_400);
  rest -= days * 86_400;
  const hours = Math.floor(rest / 3_600);
  rest -= hours * 3_600;
  const minutes = Math.floor(rest / 60);
  const seconds = rest - minutes * 60;
  let time = "";
  if (hours) time += `${hours}H`;
  if (minutes) time += `${minutes}M`;
  if (seconds) time += `${seconds}S`;
  if (!days && !time) return "PT0S";
  return `P${days ? `${days}D` : ""}${time ? `T${time}` : ""}`;
}
