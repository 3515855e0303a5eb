const numberFormat = new Intl.NumberFormat(undefined);
const timeFormat = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit", second: "2-digit" });
const dateTimeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

export const formatNumber = (n: number): string => numberFormat.format(n);
export const formatTime = (ms: number): string => timeFormat.format(ms);
export const formatDateTime = (ms: number): string => dateTimeFormat.format(ms);

/** "+120" / "−30": a signed change, with a real minus sign. */
export function formatChange(n: number): string {
  return n > 0 ? `+${formatNumber(n)}` : n < 0 ? `−${formatNumber(Math.abs(n))}` : "±0";
}

/** "just now", "42 s ago", "5 min ago", "3 h ago", then a date. */
export function relativeTime(ms: number, now = Date.now()): string {
  const s = Math.round((now - ms) / 1000);
  if (s < 5) return "just now";
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return dateTimeFormat.format(ms);
}

/** 75 -> "1:15", 3725 -> "1:02:05". */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = s % 60;
  const mm = h > 0 ? String(m).padStart(2, "0") : String(m);
  return `${h > 0 ? `${h}:` : ""}${mm}:${String(r).padStart(2, "0")}`;
}

export const percent = (unit: number): string => `${Math.round(unit * 100)}%`;

/** How long something took, in words: "under a second", "4 s", "2 min 5 s", "1 h 3 min". */
export function formatElapsed(ms: number): string {
  const s = Math.round(ms / 1000);
  if (ms < 1000) return "under a second";
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min${s % 60 ? ` ${s % 60} s` : ""}`;
  const m = Math.floor((s % 3600) / 60);
  return `${Math.floor(s / 3600)} h${m ? ` ${m} min` : ""}`;
}
