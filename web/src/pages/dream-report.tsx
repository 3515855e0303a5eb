import type { DreamReport, Insight } from "../../../protocol/index.js";
import { POSTURES } from "../../../protocol/index.js";
import { CheckIcon, MoonIcon, SparkIcon, XIcon } from "../components/icons.js";
import { ProgressBar } from "../components/shoot-status.js";
import { useDreamsState } from "../lib/dreams.js";
import { formatDateTime, formatElapsed, percent } from "../lib/format.js";
import { trendWord } from "../lib/dream-figures.js";
import { useWho, whereOf } from "../lib/names.js";
import { Link } from "../lib/router.js";

const KIND_LABEL: Record<string, string> = {
  "repeated-low-valence": "Mood",
  "sustained-high-arousal": "Energy",
  "posture-thrash": "Posture",
  "stalled-convergence": "Convergence",
};

/** "arousal eased from 80% to 64%", or "valence stayed at 50%". */
function drift(name: string, d: { from: number; to: number }): string {
  if (Math.round(d.from * 100) === Math.round(d.to * 100)) return `${name} stayed at ${percent(d.to)}`;
  return `${name} ${d.to < d.from ? "eased" : "rose"} from ${percent(d.from)} to ${percent(d.to)}`;
}

function InsightCard({ insight }: { insight: Insight }) {
  return (
    <article className="insight" data-testid="dream-insight">
      <div className="kind">{KIND_LABEL[insight.kind] ?? insight.kind}</div>
      <h3>{insight.title}</h3>
      {insight.detail && <p style={{ margin: 0 }}>{insight.detail}</p>}
      {insight.evidence && insight.evidence.length > 0 && (
        <p className="small muted evidence" style={{ margin: "0.5rem 0 0" }}>Based on {insight.evidence.length} change{insight.evidence.length === 1 ? "" : "s"} in the window.</p>
      )}
    </article>
  );
}

function Report({ report }: { report: DreamReport }) {
  const limbic = Object.entries(report.limbic).filter(([, s]) => s.count > 0);
  const external = report.processor?.insights ?? [];
  const hours = report.window.hours;
  return (
    <div className="stack" style={{ gap: "1rem" }}>
      <section className="card prose" aria-labelledby="summary-title">
        <h2 id="summary-title">What happened</h2>
        <p>
          Nerve looked back over <strong>{hours} hour{hours === 1 ? "" : "s"}</strong> ({formatDateTime(report.window.from)} to {formatDateTime(report.window.to)})
          and read <strong>{report.events.processed}</strong> of {report.events.total} changes, <strong>{report.interactions}</strong> of them from your devices and services
          {report.events.skipped > 0 ? `; ${report.events.skipped} could not be read and were skipped` : ""}.
        </p>
        <p>
          While dreaming, {drift("arousal", report.decay.arousal)} and {drift("valence", report.decay.valence)}.
          Convergence {report.convergence.gained > 0 ? `gained ${percent(report.convergence.gained)}` : "held"} ({percent(report.convergence.start)} → {percent(report.convergence.end)}, {report.convergence.updates} update{report.convergence.updates === 1 ? "" : "s"}){report.convergence.completed ? " and is complete" : ""}.
        </p>
      </section>

      <section className="card" aria-labelledby="insights-title">
        <div className="card-head"><h2 id="insights-title">Insights</h2><SparkIcon width={20} style={{ color: "var(--accent)" }} /></div>
        {report.insights.length === 0 && external.length === 0
          ? <p className="muted">Nothing stood out in this window: no repeated patterns worth raising.</p>
          : <div className="stack">{[...report.insights, ...external].map((i, n) => <InsightCard key={n} insight={i} />)}</div>}
        {report.processor && (
          <p className="small muted" style={{ marginTop: "0.75rem" }}>
            External processor: {report.processor.status === "answered" ? `answered with ${external.length} insight${external.length === 1 ? "" : "s"}` : "did not answer in time"} · {formatDateTime(report.processor.at)}
          </p>
        )}
      </section>

      <div className="grid grid-2">
        <section className="card" aria-labelledby="limbic-title">
          <h2 id="limbic-title">Limbic over the window</h2>
          {limbic.length === 0 ? <p className="muted">No limbic changes in this window.</p> : (
            <table className="table">
              <thead><tr><th scope="col">Variable</th><th scope="col">Average</th><th scope="col">Range</th><th scope="col">Trend over the window</th></tr></thead>
              <tbody>
                {limbic.map(([k, s]) => (
                  <tr key={k}>
                    <th scope="row" style={{ textTransform: "capitalize" }}>{k}</th>
                    <td>{s.mean === null ? "—" : percent(s.mean)}</td>
                    <td>{s.min === null || s.max === null ? "—" : `${percent(s.min)}–${percent(s.max)}`}</td>
                    <td>{trendWord(s, hours)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
        <section className="card" aria-labelledby="posture-title">
          <h2 id="posture-title">Posture</h2>
          <p className="small muted">{report.posture.changes === 0 && POSTURES.every((p) => !report.posture.shares[p])
            ? "No posture was set in this window."
            : `${report.posture.changes} change${report.posture.changes === 1 ? "" : "s"} · ${formatElapsed(report.posture.trackedMs)} tracked`}</p>
          <div className="stack">
            {POSTURES.map((p) => {
              const share = report.posture.shares[p] ?? 0;
              return (
                <div key={p}>
                  <div className="row small" style={{ justifyContent: "space-between" }}><span style={{ textTransform: "capitalize" }}>{p}</span><span>{percent(share)}</span></div>
                  <ProgressBar value={share * 100} label={`${p} share`} />
                </div>
              );
            })}
          </div>
        </section>
      </div>

      {report.notes.length > 0 && (
        <section className="card" aria-labelledby="notes-title">
          <h2 id="notes-title">Notes</h2>
          <ul>{report.notes.map((n) => <li key={n} className="small muted">{n}</li>)}</ul>
        </section>
      )}
    </div>
  );
}

/** A finished dream cycle as a readable page: summary, insights with evidence, figures. */
export function DreamReportPage({ cycleId }: { cycleId: string }) {
  const dreams = useDreamsState();
  const who = useWho();
  const cycle = dreams.history.find((h) => h.cycleId === cycleId);
  const running = dreams.current?.cycleId === cycleId || dreams.queue.some((q) => q.cycleId === cycleId);
  return (
    <>
      <div className="page-head">
        <div>
          <p className="small"><Link to="/dreams">Dreams</Link> /</p>
          <h1>Dream report</h1>
          {cycle && <p data-testid="dream-report-meta">{formatDateTime(cycle.finishedAt)} · {cycle.trigger === "schedule" ? "started by the nightly schedule" : `started ${whereOf(who(cycle.by))}`}{cycle.startedAt ? ` · took ${formatElapsed(cycle.finishedAt - cycle.startedAt)}` : ""}{cycle.note ? ` · “${cycle.note}”` : ""}</p>}
        </div>
        {cycle && (cycle.status === "completed"
          ? <span className="badge ok"><CheckIcon /> Completed</span>
          : <span className={`badge ${cycle.status === "failed" ? "bad" : "neutral"}`}><XIcon /> {cycle.status}</span>)}
      </div>
      {!cycle ? (
        <div className="card empty">
          <MoonIcon />
          <h3>{running ? "Still dreaming" : "No such dream"}</h3>
          <p>{running ? "This cycle has not finished yet; its report appears here when it does." : "This cycle is not in your history (the last 20 are kept)."} <Link to="/dreams">All dreams</Link></p>
        </div>
      ) : cycle.report ? <Report report={cycle.report} /> : (
        <div className="card"><p className={cycle.status === "failed" ? "error-text" : "muted"}>{cycle.error ?? "This cycle was cancelled before it produced a report."}</p></div>
      )}
    </>
  );
}
