import { useId } from "react";
import { SEND_INTERVAL_MS } from "../lib/live-patch.js";
import { useTween } from "../lib/tween.js";

/**
 * A labelled 0-1 slider with a filled track; `onBegin`/`onEnd` bracket a drag or key press.
 * A value that arrives from another device glides there (see useTween), with a chip naming the
 * device that is changing it.
 */
export function UnitSlider({ name, label, value, onChange, onBegin, onEnd, remoteBy, local }: {
  name: string;
  label: string;
  value: number;
  onChange: (v: number) => void;
  onBegin: () => void;
  onEnd: () => void;
  /** The name of the device changing this value right now, if another one is. */
  remoteBy?: string;
  /** The value is this device's own draft (no glide). */
  local?: boolean;
}) {
  const id = useId();
  const shown = useTween(value, SEND_INTERVAL_MS, local ?? false);
  const pct = Math.round(value * 100);
  const shownPct = shown * 100;
  return (
    <div className={`slider${remoteBy ? " remote" : ""}`} data-testid={`slider-${name}`} data-remote={remoteBy ? "true" : undefined}>
      <label htmlFor={id}>{label}</label>
      <span className="slider-meta">
        {remoteBy && <span className="name-chip" data-testid={`chip-${name}`}>{remoteBy}</span>}
        <output htmlFor={id} data-testid={`value-${name}`}>{pct}%</output>
      </span>
      <div className="track">
        <span className="rail" />
        <span className="fill" style={{ width: `${shownPct}%` }} />
        <span className="thumb-ghost" style={{ left: `${shownPct}%` }} aria-hidden="true" />
        <input id={id} type="range" min={0} max={100} step={1} value={pct} name={name}
          aria-valuetext={`${pct} percent${remoteBy ? `, being changed on ${remoteBy}` : ""}`}
          onPointerDown={onBegin} onPointerUp={onEnd} onKeyDown={onBegin} onKeyUp={onEnd} onBlur={onEnd}
          onChange={(e) => onChange(Number(e.target.value) / 100)} />
      </div>
    </div>
  );
}
