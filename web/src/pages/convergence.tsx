import { useEffect, useMemo, useState, type FormEvent } from "react";
import { useNerveClient, useNerveEvent, useNerveSelector, useNerveState } from "../../../client/react.js";
import {
  CONVERGENCE_DEFAULTS, LIMBIC_DEFAULTS, LIMBIC_VARIABLES, POSTURES, type PostureName,
} from "../../../protocol/index.js";
import { BrainIcon, CheckIcon, CompassIcon, HeartIcon, PulseIcon, UsersIcon } from "../components/icons.js";
import { ConflictList } from "../components/conflict-card.js";
import { ProgressBar } from "../components/shoot-status.js";
import { UnitSlider } from "../components/slider.js";
import { toast } from "../components/toasts.js";
import { formatTime, percent, relativeTime } from "../lib/format.js";
import { useNow } from "../lib/hooks.js";
import { SEND_INTERVAL_MS, useLivePatch } from "../lib/live-patch.js";
import { useConflicts } from "../lib/nerve.js";
import { useWho, whereOf } from "../lib/names.js";

const QUESTIONS = [
  "What should I always remember about you?",
  "What does a good day look like for you?",
  "How do you like to be challenged?",
  "What drains your energy fastest?",
  "Who matters most to you right now?",
  "What are you learning at the moment?",
  "How do you want me to tell you hard things?",
  "What makes you laugh?",
  "What are you proud of this year?",
  "What should we build together?",
];

const POSTURE_INFO: Record<PostureName, { Icon: typeof HeartIcon; hint: string }> = {
  companion: { Icon: HeartIcon, hint: "Warm, present, listening" },
  copilot: { Icon: CompassIcon, hint: "Alongside you, on task" },
  peer: { Icon: UsersIcon, hint: "Candid, as an equal" },
  expert: { Icon: BrainIcon, hint: "Precise, authoritative" },
};

const RESONANCE = ["connectionStrength", "imprintingLevel", "synchronization", "heartResonance"] as const;
const RESONANCE_LABEL: Record<(typeof RESONANCE)[number], string> = {
  connectionStrength: "Connection strength", imprintingLevel: "Imprinting level", synchronization: "Synchronization", heartResonance: "Heart resonance",
};

/**
 * Which fields another device is changing right now, by its name: set by each remote update of
 * them, cleared a moment after the last one (a drag sends one update per SEND_INTERVAL_MS).
 */
function useRemoteChips(type: "LIMBIC_UPDATE" | "CONVERGENCE_UPDATE"): Record<string, string> {
  const client = useNerveClient();
  const who = useWho();
  const [chips, setChips] = useState<Record<string, { name: string; until: number }>>({});
  useNerveEvent(type, (e) => {
    if (e.from === client.getSnapshot().deviceId || !client.getSnapshot().synced) return;
    const name = who(e.from).label;
    const until = Date.now() + SEND_INTERVAL_MS * 2.5;
    setChips((c) => ({ ...c, ...Object.fromEntries(Object.keys(e.data).map((k) => [k, { name, until }])) }));
  });
  useEffect(() => {
    const next = Object.values(chips).reduce((m, c) => Math.min(m, c.until), Infinity);
    if (next === Infinity) return;
    const t = setTimeout(() => setChips((c) => Object.fromEntries(Object.entries(c).filter(([, v]) => v.until > Date.now()))), Math.max(50, next - Date.now()));
    return () => clearTimeout(t);
  }, [chips]);
  return useMemo(() => Object.fromEntries(Object.entries(chips).map(([k, v]) => [k, v.name])), [chips]);
}

function LimbicCard() {
  const limbic = useNerveState("limbic") ?? LIMBIC_DEFAULTS;
  const live = useLivePatch("LIMBIC_UPDATE", limbic);
  const chips = useRemoteChips("LIMBIC_UPDATE");
  const [last, setLast] = useState<{ from: string; ts: number; keys: string[] } | null>(null);
  const who = useWho();
  const now = useNow(5000);
  useNerveEvent("LIMBIC_UPDATE", (e) => setLast({ from: e.from, ts: e.at ?? e.ts, keys: Object.keys(e.data) }));
  return (
    <section className="card" aria-labelledby="limbic-title" data-testid="limbic">
      <div className="card-head">
        <h2 id="limbic-title">Limbic system</h2>
        <span className="small muted" data-testid="limbic-last">{last ? `${last.keys.join(", ")} changed ${whereOf(who(last.from))} · ${relativeTime(last.ts, now)}` : "Drag to change; every device follows"}</span>
      </div>
      <ConflictList keys={["limbic"]} />
      <div className="limbic stale">
        {LIMBIC_VARIABLES.map((k) => (
          <UnitSlider key={k} name={k} label={k} value={live.value(k)} remoteBy={live.isDraft(k) ? undefined : chips[k]} local={live.isDraft(k)}
            onChange={(v) => live.set(k, v)} onBegin={() => live.begin(k)} onEnd={() => live.end(k)} />
        ))}
      </div>
    </section>
  );
}

function ConvergenceCard() {
  const client = useNerveClient();
  const conv = useNerveState("convergence") ?? CONVERGENCE_DEFAULTS;
  const numbers = useMemo(() => Object.fromEntries(RESONANCE.map((k) => [k, conv[k]])), [conv]);
  const live = useLivePatch("CONVERGENCE_UPDATE", numbers);
  const chips = useRemoteChips("CONVERGENCE_UPDATE");
  const [answer, setAnswer] = useState("");
  const q = Math.min(conv.currentQuestion, QUESTIONS.length);
  const answered = Object.keys(conv.answers).length;

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const text = answer.trim();
    if (!text) return;
    const done = conv.currentQuestion >= QUESTIONS.length;
    client.send("CONVERGENCE_UPDATE", {
      answers: { [`q${conv.currentQuestion}`]: text },
      currentQuestion: done ? conv.currentQuestion : conv.currentQuestion + 1,
      progress: Math.min(1, (answered + 1) / QUESTIONS.length),
      ...(done ? { completed: true } : {}),
    }).then(() => setAnswer(""), (err: unknown) => toast("bad", "Answer not saved", err instanceof Error ? err.message : String(err)));
  };

  return (
    <section className="card" aria-labelledby="conv-title" data-testid="convergence">
      <div className="card-head">
        <h2 id="conv-title">Convergence</h2>
        {conv.completed ? <span className="badge ok">Completed</span> : <span className="badge info">Question {q} of {QUESTIONS.length}</span>}
      </div>
      <div className="stack stale">
        <div className="row" style={{ justifyContent: "space-between" }}>
          <span className="muted small">Progress</span><strong data-testid="convergence-progress">{percent(conv.progress)}</strong>
        </div>
        <ProgressBar value={conv.progress * 100} label="Convergence progress" />
        <ConflictList keys={["convergence"]} />
        {RESONANCE.map((k) => (
          <UnitSlider key={k} name={k} label={RESONANCE_LABEL[k]} value={live.value(k)} remoteBy={live.isDraft(k) ? undefined : chips[k]} local={live.isDraft(k)}
            onChange={(v) => live.set(k, v)} onBegin={() => live.begin(k)} onEnd={() => live.end(k)} />
        ))}
        {!conv.completed && (
          <form className="stack" onSubmit={submit}>
            <div className="field">
              <label htmlFor="answer">{QUESTIONS[q - 1]}</label>
              <input id="answer" value={answer} maxLength={4000} onChange={(e) => setAnswer(e.target.value)} placeholder="Your answer" />
            </div>
            <button type="submit" className="primary" disabled={!answer.trim()}>Answer and continue</button>
          </form>
        )}
        {answered > 0 && (
          <details>
            <summary className="small muted">Answers so far ({answered})</summary>
            <dl className="small" style={{ marginTop: "0.5rem" }}>
              {Object.entries(conv.answers).map(([k, v]) => (
                <div key={k} style={{ marginBottom: "0.4rem" }}><dt className="muted">{QUESTIONS[Number(k.slice(1)) - 1] ?? k}</dt><dd style={{ margin: 0 }}>{v}</dd></div>
              ))}
            </dl>
          </details>
        )}
      </div>
    </section>
  );
}

function PostureCard() {
  const client = useNerveClient();
  const posture = useNerveState("posture");
  const [reason, setReason] = useState("");
  const [busy, setBusy] = useState<PostureName | null>(null);
  const synced = useNerveSelector((s) => s.synced);
  const now = useNow(10_000);
  const who = useWho();
  const me = useNerveSelector((s) => s.deviceId);
  const postureHeld = useConflicts().conflicts.some((c) => c.key === "posture");
  // A switch made on another device is shown on the card itself for a moment, with its name.
  const [remote, setRemote] = useState<string | null>(null);
  useNerveEvent("POSTURE_CHANGE", (e) => {
    if (e.from !== me && client.getSnapshot().synced) setRemote(who(e.from).label);
  });
  useEffect(() => {
    if (!remote) return;
    const t = setTimeout(() => setRemote(null), 4000);
    return () => clearTimeout(t);
  }, [remote]);
  const choose = (p: PostureName) => {
    if (p === posture?.posture) return;
    setBusy(p);
    client.send("POSTURE_CHANGE", { posture: p, ...(reason.trim() ? { reason: reason.trim() } : {}) })
      .then(() => setReason(""), (err: unknown) => toast("bad", "Posture not changed", err instanceof Error ? err.message : String(err)))
      .finally(() => setBusy(null));
  };
  const history = [...(posture?.history ?? [])].reverse();
  return (
    <section className={`card${remote ? " remote-change" : ""}`} aria-labelledby="posture-title" data-testid="posture">
      <div className="card-head">
        <h2 id="posture-title">Posture</h2>
        <span className="row small muted" style={{ gap: "0.4rem" }}>
          {remote && <span className="name-chip" data-testid="chip-posture">{remote}</span>}
          <span data-testid="posture-current">Now: <strong style={{ textTransform: "capitalize", color: "var(--text)" }}>{posture?.posture ?? "not set"}</strong></span>
        </span>
      </div>
      <div className="stack">
        <ConflictList keys={["posture"]} />
        <div className="segmented" role="group" aria-labelledby="posture-title">
          {POSTURES.map((p) => {
            const { Icon, hint } = POSTURE_INFO[p];
            const checked = posture?.posture === p;
            return (
              <button key={p} type="button" aria-pressed={checked} aria-describedby={`posture-hint-${p}`} disabled={busy !== null}
                onClick={() => choose(p)} data-testid={`posture-${p}`}>
                {checked ? <CheckIcon /> : <Icon />} {p}
                <span id={`posture-hint-${p}`} className="sr-only">{hint}</span>
              </button>
            );
          })}
        </div>
        {busy && !postureHeld && <p className="small muted" role="status" style={{ margin: 0 }} data-testid="posture-pending">Switching to {busy}…{synced ? "" : " It is sent when you're back online."}</p>}
        <div className="field">
          <label htmlFor="posture-reason">Reason (optional)</label>
          <input id="posture-reason" value={reason} maxLength={280} onChange={(e) => setReason(e.target.value)} placeholder="Why switch?" />
        </div>
        <h3 style={{ marginTop: "0.5rem" }}>History</h3>
        {history.length === 0 ? <p className="muted small">No changes yet.</p> : (
          <ol className="timeline stale" data-testid="posture-history">
            {history.slice(0, 12).map((h) => (
              <li key={h.seq}>
                <strong style={{ textTransform: "capitalize" }}>{h.from ?? "start"} → {h.to}</strong>
                {h.reason && <> · {h.reason}</>}
                <div className="small muted">{whereOf(who(h.by))} · {formatTime(h.at)} ({relativeTime(h.at, now)})</div>
              </li>
            ))}
          </ol>
        )}
      </div>
    </section>
  );
}

export function ConvergencePage() {
  return (
    <>
      <div className="page-head">
        <div>
          <h1>Convergence</h1>
          <p>The ten limbic variables, convergence and posture, in step on all your devices.</p>
        </div>
        <PulseIcon width={28} style={{ color: "var(--accent-2)" }} />
      </div>
      <div className="grid" style={{ gap: "1rem" }}>
        <LimbicCard />
        <div className="grid grid-2">
          <ConvergenceCard />
          <PostureCard />
        </div>
      </div>
    </>
  );
}
