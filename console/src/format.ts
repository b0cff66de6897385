/** Display helpers: durations, times and countdowns, in the person's locale and time zone. */

/** `5400` → `1 h 30 min`; `45` → `45 s`. */
export function formatSeconds(total: number): string {
  const seconds = Math.max(0, Math.round(total));
  const days = Math.floor(seconds / 86_400);
  const hours = Math.floor((seconds % 86_400) / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  const rest = seconds % 60;
  const parts: string[] = [];
  if (days > 0) parts.push(`${days} d`);
  if (hours > 0) parts.push(`${hours} h`);
  if (minutes > 0) parts.push(`${minutes} min`);
  if (parts.length === 0 || (days === 0 && hours === 0 && rest > 0 && minutes < 10)) parts.push(`${rest} s`);
  return parts.join(" ");
}

/** Countdown text to `iso` from `nowMs`: `59:07 left`, `1:02:03 left`, or `ended`. */
export function timeLeft(iso: string | undefined, nowMs: number): string {
  if (iso === undefined) return "";
  const left = Math.floor((Date.parse(iso) - nowMs) / 1000);
  if (!Number.isFinite(left) || left <= 0) return "ended";
  const h = Math.floor(left / 3600);
  const m = Math.floor((left % 3600) / 60);
  const s = left % 60;
  const two = (n: number) => String(n).padStart(2, "0");
  return `${h > 0 ? `${h}:${two(m)}` : `${m}`}:${two(s)} left`;
}

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

/** ISO 8601 → local date and time, e.g. `2 Dec 2026, 15:04`. */
export function formatTime(iso: string | undefined): string {
  if (iso === undefined) return "";
  const ms = Date.parse(iso);
  return Number.isFinite(ms) ? dateTime.format(ms) : iso;
}

/** `APPROVAL_RECORDED` → `Approval recorded`. */
export function humanize(action: string): string {
  const text = action.toLowerCase().replace(/_/g, " ");
  return text.charAt(0).toUpperCase() + text.slice(1);
}
