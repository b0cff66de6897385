/**
 * Human-readable output: tables, key/value blocks, durations and times. Everything shown to a person passes
 * through {@link displayText}, because request fields (justification, ticket, comments) are typed by other
 * people and must not be able to drive the reader's terminal.
 */
import { INVISIBLE_CHARACTER } from "#functions/domain/visible-text.js";

/** One column of a table. */
export interface Column<T> {
  header: string;
  /** The cell text for a row; `undefined`/empty shows as `-`. */
  value: (row: T) => unknown;
  /** Longer cells are cut to this many characters, ending in `…`. */
  maxWidth?: number;
}

/**
 * C0/C1 controls, DEL, the Unicode bidirectional overrides/isolates used in "Trojan Source" spoofing, and
 * every invisible character of {@link INVISIBLE_CHARACTER} (zero-width spaces, joiners, fillers: H24).
 */
const UNSAFE = new RegExp(INVISIBLE_CHARACTER.source, "gu");

/**
 * Text safe to print to a terminal on one line: control characters (ANSI escape sequences included),
 * DEL, C1 controls, bidi overrides and invisible characters become visible `\u{…}` escapes; tabs and line breaks become spaces.
 * @param value anything; `null`/`undefined` become `""`, objects are JSON.
 */
export function displayText(value: unknown): string {
  if (value === undefined || value === null) return "";
  const text =
    typeof value === "string" ? value : typeof value === "object" ? JSON.stringify(value) : String(value);
  return text.replace(UNSAFE, (ch) => {
    if (ch === "\t" || ch === "\n" || ch === "\r") return " ";
    return `\\u{${(ch.codePointAt(0) as number).toString(16)}}`;
  });
}

function width(text: string): number {
  return [...text].length;
}

function truncate(text: string, max: number | undefined): string {
  if (max === undefined || width(text) <= max) return text;
  return `${[...text].slice(0, Math.max(1, max - 1)).join("")}…`;
}

/**
 * Formats rows as a plain-text table: an upper-case header line, columns separated by two spaces, left
 * aligned, no trailing spaces, empty cells as `-`. Widths count code points (wide CJK characters and emoji
 * may misalign a column; they are never cut in half).
 * @returns the table text ending in a newline, or `emptyMessage` + newline when there are no rows.
 */
export function formatTable<T>(
  columns: readonly Column<T>[],
  rows: readonly T[],
  emptyMessage = "(none)",
): string {
  if (rows.length === 0) return `${emptyMessage}\n`;
  const cells = rows.map((row) =>
    columns.map((c) => {
      const text = truncate(displayText(c.value(row)), c.maxWidth);
      return text === "" ? "-" : text;
    }),
  );
  const headers = columns.map((c) => c.header.toUpperCase());
  const widths = headers.map((h, i) => Math.max(width(h), ...cells.map((r) => width(r[i] as string))));
  const line = (values: string[]) =>
    values
      .map((v, i) => (i === values.length - 1 ? v : v + " ".repeat((widths[i] as number) - width(v))))
      .join("  ")
      .trimEnd();
  return `${[line(headers), ...cells.map(line)].join("\n")}\n`;
}

/**
 * Formats `label: value` lines with the values aligned. Pairs whose value is `undefined` are left out.
 * @returns the block ending in a newline.
 */
export function formatKeyValues(pairs: ReadonlyArray<readonly [string, unknown]>): string {
  const shown = pairs.filter(([, v]) => v !== undefined && v !== null && v !== "");
  const labelWidth = Math.max(0, ...shown.map(([k]) => width(k) + 1));
  const lines = shown.map(([k, v]) => `${`${k}:`.padEnd(labelWidth)}  ${displayText(v)}`.trimEnd());
  return `${lines.join("\n")}\n`;
}

/**
 * A length of time in the CLI's friendly form: `1h30m`, `2d4h`, `45s`, `0s` (the inverse of the friendly
 * `--for` form: days, hours, minutes, seconds, zero parts left out).
 * @param totalSeconds seconds; negative values are shown as their absolute length.
 */
export function formatFriendlyDuration(totalSeconds: number): string {
  let rest = Math.floor(Math.abs(totalSeconds));
  if (rest === 0) return "0s";
  let out = "";
  for (const [unit, size] of [
    ["d", 86_400],
    ["h", 3_600],
    ["m", 60],
    ["s", 1],
  ] as const) {
    const n = Math.floor(rest / size);
    rest -= n * size;
    if (n > 0) out += `${n}${unit}`;
  }
  return out;
}

/**
 * How far a time is from now, to the two largest units: `in 59m`, `3m12s ago`, `in 1d2h`, `now` (under a
 * second either way).
 * @param targetMs, nowMs epoch milliseconds.
 */
export function formatRelative(targetMs: number, nowMs: number): string {
  const deltaSeconds = Math.round((targetMs - nowMs) / 1000);
  if (deltaSeconds === 0) return "now";
  const full = formatFriendlyDuration(deltaSeconds);
  const twoUnits =
    full
      .match(/\d+[dhms]/g)
      ?.slice(0, 2)
      .join("") ?? full;
  return deltaSeconds > 0 ? `in ${twoUnits}` : `${twoUnits} ago`;
}

/**
 * An ISO 8601 time from the API as `2026-11-29 12:00:00Z (in 59m)`; text that is not a time is shown as is.
 * @param nowMs epoch milliseconds.
 */
export function formatTime(iso: unknown, nowMs: number): string | undefined {
  if (typeof iso !== "string" || iso === "") return undefined;
  const ms = Date.parse(iso);
  if (!Number.isFinite(ms)) return iso;
  const utc = new Date(ms)
    .toISOString()
    .replace("T", " ")
    .replace(/\.\d{3}Z$/, "Z");
  return `${utc} (${formatRelative(ms, nowMs)})`;
}

/** An ISO 8601 time as a short relative phrase (`5m ago`), for table cells; `undefined` when absent. */
export function formatShortTime(iso: unknown, nowMs: number): string | undefined {
  if (typeof iso !== "string" || iso === "") return undefined;
  const ms = Date.parse(iso);
  return Number.isFinite(ms) ? formatRelative(ms, nowMs) : iso;
}
