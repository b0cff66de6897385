/** Seconds as a short human duration: `1h`, `1h 30m`, `45m`, `30s`. */
export function formatDurationSeconds(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = s % 60;
  const parts = [h ? `${h}h` : "", m ? `${m}m` : "", rest && !h ? `${rest}s` : ""].filter(Boolean);
  return parts.length > 0 ? parts.join(" ") : "0s";
}
