import type { PendingConflict } from "../lib/conflicts.js";
import { formatTime, percent, relativeTime } from "../lib/format.js";
import { useNow } from "../lib/hooks.js";
import { useWho, whereOf } from "../lib/names.js";
import { useConflicts } from "../lib/nerve.js";
import { AlertIcon } from "./icons.js";

const RESONANCE_LABEL: Record<string, string> = {
  connectionStrength: "Connection strength", imprintingLevel: "Imprinting level", synchronization: "Synchronization", heartResonance: "Heart resonance",
  progress: "Convergence progress", currentQuestion: "Current question", completed: "Convergence completed",
};

function fieldLabel(key: string, field: string): string {
  if (key === "posture") return "Posture";
  if (key.startsWith("shoots.")) return `Shoot ${key.slice(7)}`;
  if (field.startsWith("answers.")) return `Your answer (${field.slice(8)})`;
  const name = RESONANCE_LABEL[field] ?? field;
  return name[0]!.toUpperCase() + name.slice(1);
}

function valueAt(value: unknown, key: string, field: string): string {
  if (typeof value !== "object" || value === null) return "—";
  const v = value as Record<string, unknown>;
  if (key === "posture") return String(v.posture ?? "—");
  if (key.startsWith("shoots.")) return String(v.status ?? "—");
  if (field.startsWith("answers.")) {
    const answers = (v.answers ?? {}) as Record<string, unknown>;
    const a = answers[field.slice(8)];
    return typeof a === "string" ? `“${a}”` : "—";
  }
  const x = v[field];
  return typeof x === "number" ? (field === "currentQuestion" ? String(x) : percent(x)) : typeof x === "boolean" ? (x ? "yes" : "no") : "—";
}

/** "Changed on Work Mac while you were offline: keep yours / take theirs", for one held edit. */
export function ConflictCard({ conflict }: { conflict: PendingConflict }) {
  const { resolve } = useConflicts();
  const who = useWho();
  const now = useNow(10_000);
  const source = conflict.theirsFrom ? whereOf(who(conflict.theirsFrom)) : "on another device";
  const labels = conflict.fields.map((f) => fieldLabel(conflict.key, f));
  const title = `${labels.join(", ")} changed ${source} while you were offline`;
  return (
    <div className="conflict" role="group" aria-label={title} data-testid="conflict" data-key={conflict.key}>
      <AlertIcon className="conflict-icon" />
      <div className="grow">
        <p className="conflict-title"><strong>{title}</strong></p>
        {conflict.theirsAt !== undefined && <p className="small muted">Their change: {formatTime(conflict.theirsAt)} ({relativeTime(conflict.theirsAt, now)})</p>}
        <dl className="conflict-values">
          {conflict.fields.map((f) => (
            <div key={f}>
              <dt>{fieldLabel(conflict.key, f)}</dt>
              <dd>Yours <strong data-testid="conflict-mine">{valueAt(conflict.mine, conflict.key, f)}</strong> · theirs <strong data-testid="conflict-theirs">{valueAt(conflict.theirs, conflict.key, f)}</strong></dd>
            </div>
          ))}
        </dl>
        <div className="row">
          <button type="button" className="primary" onClick={() => resolve(conflict.id, "mine")}>Keep yours</button>
          <button type="button" onClick={() => resolve(conflict.id, "theirs")}>Take theirs</button>
        </div>
      </div>
    </div>
  );
}

/** The held edits of some state keys (all of them when `keys` is absent), as cards. */
export function ConflictList({ keys }: { keys?: string[] }) {
  const { conflicts } = useConflicts();
  const shown = keys ? conflicts.filter((c) => keys.includes(c.key)) : conflicts;
  if (shown.length === 0) return null;
  return <div className="stack" data-testid="conflicts">{shown.map((c) => <ConflictCard key={c.id} conflict={c} />)}</div>;
}
