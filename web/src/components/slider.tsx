import { useId } from "react";

/** A labelled 0-1 slider with a filled track; `onBegin`/`onEnd` bracket a drag or key press. */
export function UnitSlider({ name, label, value, onChange, onBegin, onEnd, remote }: {
  name: string;
  label: string;
  value: number;
  onChange: (v: number) => void;
  onBegin: () => void;
  onEnd: () => void;
  remote?: boolean;
}) {
  const id = useId();
  const pct = Math.round(value * 100);
  return (
    <div className={`slider${remote ? " remote" : ""}`} data-testid={`slider-${name}`}>
      <label htmlFor={id}>{label}</label>
      <output htmlFor={id} data-testid={`value-${name}`}>{pct}%</output>
      <div className="track">
        <span className="rail" />
        <span className="fill" style={{ width: `${pct}%` }} />
        <input id={id} type="range" min={0} max={100} step={1} value={pct} name={name}
          aria-valuetext={`${pct} percent`}
          onPointerDown={onBegin} onPointerUp={onEnd} onKeyDown={onBegin} onKeyUp={onEnd} onBlur={onEnd}
          onChange={(e) => onChange(Number(e.target.value) / 100)} />
      </div>
    </div>
  );
}
