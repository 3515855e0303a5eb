import type { ShootProgressData } from "../../../protocol/index.js";
import { AlertIcon, CheckIcon, ClockIcon, SpinnerIcon, XIcon } from "./icons.js";

const STATUS = {
  queued: { tone: "neutral", label: "Queued", Icon: ClockIcon },
  processing: { tone: "info", label: "Processing", Icon: SpinnerIcon },
  completed: { tone: "ok", label: "Completed", Icon: CheckIcon },
  failed: { tone: "bad", label: "Failed", Icon: XIcon },
  stalled: { tone: "warn", label: "Stalled", Icon: AlertIcon },
} as const;

/** A shoot's status as a badge: an icon and a word beside the colour. A stalled shoot does not spin. */
export function ShootStatusBadge({ status, stalled = false }: { status: ShootProgressData["status"]; stalled?: boolean }) {
  const shown = stalled ? "stalled" : status;
  const s = STATUS[shown];
  return (
    <span className={`badge ${s.tone}`} data-testid="shoot-status" data-status={shown}>
      <s.Icon className={shown === "processing" ? "spin" : undefined} /> {s.label}
    </span>
  );
}

/** A labelled progress bar. */
export function ProgressBar({ value, label, tone, indeterminate, testId }: { value: number; label: string; tone?: "ok" | "bad"; indeterminate?: boolean; testId?: string }) {
  const pct = Math.max(0, Math.min(100, value));
  return (
    <div className={`progress${tone ? ` ${tone}` : ""}${indeterminate ? " indeterminate" : ""}`} role="progressbar" aria-label={label}
      aria-valuemin={0} aria-valuemax={100} aria-valuenow={indeterminate ? undefined : Math.round(pct)} data-testid={testId} data-value={Math.round(pct)}>
      <span style={{ width: `${pct}%` }} />
    </div>
  );
}
