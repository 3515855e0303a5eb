import { useEffect, useState, type FormEvent } from "react";
import { useNerveClient } from "../../../client/react.js";
import { DREAM_PHASES, type DreamsState } from "../../../protocol/index.js";
import { CheckIcon, ClockIcon, MoonIcon, SparkIcon, XIcon } from "../components/icons.js";
import { ProgressBar } from "../components/shoot-status.js";
import { toast } from "../components/toasts.js";
import { useDreamShow, type DreamStage, type DreamStep } from "../lib/dream-show.js";
import { PHASE_HINT, PHASE_LABEL, useDreamsState } from "../lib/dreams.js";
import { useWho, whereOf } from "../lib/names.js";
import { formatDateTime, formatTime, relativeTime } from "../lib/format.js";
import { useNow } from "../lib/hooks.js";
import { Link } from "../lib/router.js";

const fail = (title: string) => (err: unknown) => toast("bad", title, err instanceof Error ? err.message : String(err));

function StartCard({ onStarted }: { onStarted: (cycleId: string) => void }) {
  const client = useNerveClient();
  const [hours, setHours] = useState("24");
  const [note, setNote] = useState("");
  const [busy, setBusy] = useState(false);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    client.send("DREAM_START", { windowHours: Number(hours), ...(note.trim() ? { note: note.trim() } : {}) })
      .then((r) => {
        if (r.cycleId) onStarted(r.cycleId);
        setNote("");
      }, fail("Could not start a dream cycle"))
      .finally(() => setBusy(false));
  };
  return (
    <section className="card" aria-labelledby="start-title">
      <div className="card-head"><h2 id="start-title">Start a dream cycle</h2><SparkIcon width={20} style={{ color: "var(--accent)" }} /></div>
      <form className="stack" onSubmit={submit}>
        <div className="field">
          <label htmlFor="dream-hours">Window</label>
          <select id="dream-hours" value={hours} onChange={(e) => setHours(e.target.value)}>
            <option value="1">Last hour</option>
            <option value="6">Last 6 hours</option>
            <option value="24">Last 24 hours</option>
            <option value="168">Last 7 days</option>
          </select>
        </div>
        <div className="field">
          <label htmlFor="dream-note">Note (optional)</label>
          <input id="dream-note" value={note} maxLength={500} onChange={(e) => setNote(e.target.value)} placeholder="What should this dream focus on?" />
        </div>
        <button type="submit" className="primary" disabled={busy} data-testid="dream-start"><MoonIcon width={16} /> Dream now</button>
      </form>
    </section>
  );
}

const STAGE_TITLE: Record<DreamStage, string> = {
  queued: "Queued: starting in a moment", decay: "Dreaming: easing", consolidate: "Dreaming: consolidating", patterns: "Dreaming: looking for patterns",
  processor: "Dreaming: asking the dream processor", done: "Report ready", failed: "The cycle failed", cancelled: "Cancelled",
};

/** The phases as steps: done, current, or to do. */
function Phases({ stage }: { stage: DreamStage }) {
  const at = stage === "done" ? DREAM_PHASES.length : stage === "queued" || stage === "failed" || stage === "cancelled" ? -1 : DREAM_PHASES.indexOf(stage);
  return (
    <ol className="phases" aria-label="Phases">
      {DREAM_PHASES.map((p, i) => {
        const state = i < at ? "done" : i === at ? "current" : "";
        return (
          <li key={p} className={state} aria-current={state === "current" ? "step" : undefined} data-phase={p} data-state={state || "todo"}>
            {state === "done" ? <CheckIcon /> : state === "current" ? <SparkIcon className="spin" /> : <ClockIcon />}
            {PHASE_LABEL[p]}<span className="sr-only">{state === "done" ? " (done)" : state === "current" ? " (in progress)" : " (to do)"}</span>
          </li>
        );
      })}
    </ol>
  );
}

function CurrentCard({ dreams, show }: { dreams: DreamsState; show: DreamStep | null }) {
  const client = useNerveClient();
  const who = useWho();
  const now = useNow(1000);
  const c = dreams.current;
  const cancel = (cycleId: string) => client.send("DREAM_CANCEL", { cycleId }).catch(fail("Could not cancel"));
  // A cycle heard live is played step by step (useDreamShow); otherwise the state says what runs.
  const stage: DreamStage | null = show ? show.stage : c ? c.phase : null;
  const cycleId = show?.cycleId ?? c?.cycleId;
  const by = show?.from ?? (c && c.cycleId === cycleId ? c.by : undefined);
  const trigger = c && c.cycleId === cycleId ? c.trigger : undefined;
  return (
    <section className="card" aria-labelledby="current-title" data-testid="dream-current">
      <div className="card-head"><h2 id="current-title">Now dreaming</h2>{stage && stage !== "done" && stage !== "failed" && stage !== "cancelled" && <span className="badge info"><SparkIcon /> Running</span>}</div>
      {!stage ? (
        <p className="muted">{dreams.queue.length ? "The next cycle starts in a moment." : "No cycle is running. Start one, or let the nightly schedule do it."}</p>
      ) : (
        <div className="stack stale" data-testid="dream-stage" data-stage={stage} aria-live="polite">
          <p style={{ margin: 0 }}><strong>{STAGE_TITLE[stage]}</strong></p>
          <Phases stage={stage} />
          {stage in PHASE_HINT && <p className="small muted" style={{ margin: 0 }} data-testid="dream-phase">{PHASE_HINT[stage as keyof typeof PHASE_HINT]}</p>}
          {stage === "done" && cycleId && <p style={{ margin: 0 }}><Link to={`/dreams/${encodeURIComponent(cycleId)}`} data-testid="dream-open-report">Open the report</Link></p>}
          {stage === "failed" && <p className="error-text" style={{ margin: 0 }}>{show?.error ?? "The cycle stopped."}</p>}
          {c && c.cycleId === cycleId && stage !== "done" && (
            <>
              <ProgressBar value={c.total > 0 ? (100 * c.processed) / c.total : 0} label="Dream cycle progress" indeterminate={c.total === 0} />
              <div className="row small muted">
                <span>{c.processed} of {c.total} changes read</span><span className="spacer" />
                <span>started {relativeTime(c.startedAt, now)} · last {c.windowHours} h</span>
              </div>
            </>
          )}
          {(by || trigger) && <p className="small muted" style={{ margin: 0 }} data-testid="dream-by">{trigger === "schedule" ? "Started by the nightly schedule" : by ? `Started ${whereOf(who(by))}` : ""}</p>}
          {c && c.cycleId === cycleId && stage !== "done" && <div><button type="button" className="danger small" onClick={() => cancel(c.cycleId)}>Cancel cycle</button></div>}
        </div>
      )}
      {dreams.queue.length > 0 && (
        <>
          <h3 style={{ marginTop: "1rem" }}>Queued</h3>
          <ul className="list">
            {dreams.queue.map((q, i) => (
              <li key={q.cycleId} className="list-item">
                <div className="grow">
                  <div className="title">#{i + 1} · last {q.windowHours} h{q.note ? ` · ${q.note}` : ""}</div>
                  <div className="sub">{q.trigger === "schedule" ? "nightly schedule" : `started ${whereOf(who(q.by))}`} · {formatTime(q.queuedAt)}</div>
                </div>
                <button type="button" className="ghost small" onClick={() => cancel(q.cycleId)} aria-label={`Cancel queued cycle ${i + 1}`}><XIcon width={14} /> Cancel</button>
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}

function ScheduleCard({ dreams }: { dreams: DreamsState }) {
  const client = useNerveClient();
  const s = dreams.schedule;
  const offset = -new Date().getTimezoneOffset();
  const [enabled, setEnabled] = useState(s?.enabled ?? false);
  const [time, setTime] = useState("03:00");
  const [hours, setHours] = useState("24");
  useEffect(() => {
    if (!s) return;
    setEnabled(s.enabled);
    // The schedule is kept in the user's own offset; show it in this browser's local time.
    const local = ((s.hour * 60 + s.minute - s.utcOffsetMinutes + offset) % 1440 + 1440) % 1440;
    setTime(`${String(Math.floor(local / 60)).padStart(2, "0")}:${String(local % 60).padStart(2, "0")}`);
    setHours(String(s.windowHours));
  }, [s, offset]);
  const save = (e: FormEvent) => {
    e.preventDefault();
    const [h, m] = time.split(":").map(Number);
    client.send("DREAM_SCHEDULE", { enabled, hour: h ?? 3, minute: m ?? 0, utcOffsetMinutes: offset, windowHours: Number(hours) })
      .then(() => toast("ok", enabled ? "Nightly dreaming on" : "Nightly dreaming off", enabled ? `Every night at ${time}.` : undefined), fail("Schedule not saved"));
  };
  return (
    <section className="card" aria-labelledby="schedule-title">
      <div className="card-head"><h2 id="schedule-title">Nightly schedule</h2><MoonIcon width={20} /></div>
      <form className="stack" onSubmit={save}>
        <label className="check"><input type="checkbox" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} /> Dream every night</label>
        <div className="grid grid-2" style={{ gap: "0.6rem" }}>
          <div className="field">
            <label htmlFor="schedule-time">Time</label>
            <input id="schedule-time" type="time" value={time} onChange={(e) => setTime(e.target.value)} required />
          </div>
          <div className="field">
            <label htmlFor="schedule-hours">Window (hours)</label>
            <input id="schedule-hours" type="number" min={1} max={720} value={hours} onChange={(e) => setHours(e.target.value)} required />
          </div>
        </div>
        <p className="small muted" style={{ margin: 0 }} data-testid="schedule-next">
          {s?.enabled && s.nextAt ? `Next cycle ${formatDateTime(s.nextAt)}` : "Not scheduled"}
        </p>
        <button type="submit">Save schedule</button>
      </form>
    </section>
  );
}

const STATUS_BADGE = {
  completed: { tone: "ok", Icon: CheckIcon, label: "Completed" },
  failed: { tone: "bad", Icon: XIcon, label: "Failed" },
  cancelled: { tone: "neutral", Icon: XIcon, label: "Cancelled" },
} as const;

function HistoryCard({ dreams, playing }: { dreams: DreamsState; playing: string | null }) {
  const who = useWho();
  // A cycle still being played step by step joins the history when its last step shows.
  const history = [...dreams.history].reverse().filter((h) => h.cycleId !== playing);
  return (
    <section className="card" aria-labelledby="history-title">
      <div className="card-head"><h2 id="history-title">History</h2><span className="small muted">{history.length} cycle{history.length === 1 ? "" : "s"}</span></div>
      {history.length === 0 ? <div className="empty"><MoonIcon /><p>No dreams yet. Reports appear here when a cycle finishes.</p></div> : (
        <ul className="list stale" data-testid="dream-history">
          {history.map((h) => {
            const b = STATUS_BADGE[h.status];
            return (
              <li key={h.cycleId}>
                <Link to={`/dreams/${encodeURIComponent(h.cycleId)}`} className="list-item" data-testid="dream-row">
                  <span className="device-icon"><MoonIcon /></span>
                  <div className="grow">
                    <div className="title">{h.report ? `${h.report.insights.length} insight${h.report.insights.length === 1 ? "" : "s"} · ${h.report.events.total} changes read` : h.error ?? "No report"}</div>
                    <div className="sub">{formatDateTime(h.finishedAt)} · last {h.windowHours} h · {h.trigger === "schedule" ? "nightly" : `started ${whereOf(who(h.by))}`}{h.note ? ` · ${h.note}` : ""}</div>
                  </div>
                  <span className={`badge ${b.tone}`}><b.Icon /> {b.label}</span>
                </Link>
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}

export function DreamsPage() {
  const dreams = useDreamsState();
  // The notices follow the steps on screen, so "ready" never arrives together with "queued".
  const show = useDreamShow((step) => {
    if (step.stage === "done") toast("ok", "A dream report is ready", "Open it from Now dreaming or the history.", { testId: "toast-dream" });
    if (step.stage === "failed") toast("bad", "A dream cycle failed", step.error);
  });
  return (
    <>
      <div className="page-head">
        <div>
          <h1>Dreams</h1>
          <p>While you rest, Nerve consolidates your recent state into a report of what it noticed.</p>
        </div>
      </div>
      <div className="grid grid-2" style={{ marginBottom: "1rem", alignItems: "start" }}>
        <CurrentCard dreams={dreams} show={show.step} />
        <div className="stack" style={{ gap: "1rem" }}>
          <StartCard onStarted={show.started} />
          <ScheduleCard dreams={dreams} />
        </div>
      </div>
      <HistoryCard dreams={dreams} playing={show.step && !["done", "failed", "cancelled"].includes(show.step.stage) ? show.step.cycleId : null} />
    </>
  );
}
