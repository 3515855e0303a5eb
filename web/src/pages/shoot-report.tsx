import { useShootProgress } from "../../../client/react.js";
import { CheckIcon } from "../components/icons.js";
import { ProgressBar, ShootStatusBadge } from "../components/shoot-status.js";
import { formatDateTime, formatNumber } from "../lib/format.js";
import { Link } from "../lib/router.js";

/** The report a completed shoot redirects to: its final figures. */
export function ShootReportPage({ shootId }: { shootId: string }) {
  const { progress, progressPercentage } = useShootProgress(shootId);
  if (!progress) {
    return (
      <div className="card empty">
        <h1>No report for {shootId}</h1>
        <p>This shoot has no progress in your state. <Link to="/shoots">All shoots</Link></p>
      </div>
    );
  }
  const skipped = progress.totalCount - progress.processedCount;
  return (
    <>
      <div className="page-head">
        <div>
          <p className="small"><Link to="/shoots">Shoots</Link> / <Link to={`/shoots/${encodeURIComponent(shootId)}`}>{shootId}</Link> /</p>
          <h1>Shoot report</h1>
        </div>
        <ShootStatusBadge status={progress.status} />
      </div>
      <section className="card stack" data-testid="shoot-report" aria-labelledby="report-title">
        <div className="row">
          {progress.status === "completed" && <span className="device-icon" style={{ color: "var(--ok)" }}><CheckIcon /></span>}
          <div>
            <h2 id="report-title" className="mono">{shootId}</h2>
            <p className="muted" style={{ margin: 0 }}>{progress.status === "completed" ? "Culling finished" : `Status: ${progress.status}`} · {formatDateTime(progress.updatedAt)}</p>
          </div>
        </div>
        <ProgressBar value={progressPercentage} label="Final progress" tone={progress.status === "completed" ? "ok" : progress.status === "failed" ? "bad" : undefined} />
        <div className="stats">
          <div className="stat"><span className="label">Images processed</span><span className="value" data-testid="report-processed">{formatNumber(progress.processedCount)}</span></div>
          <div className="stat"><span className="label">Images in shoot</span><span className="value" data-testid="report-total">{formatNumber(progress.totalCount)}</span></div>
          <div className="stat"><span className="label">Completion</span><span className="value">{progressPercentage}%</span></div>
          <div className="stat"><span className="label">Not processed</span><span className="value">{formatNumber(skipped)}</span></div>
          <div className="stat"><span className="label">Provider</span><span className="value" style={{ fontSize: "1rem" }}>{progress.provider ?? "—"}</span></div>
          <div className="stat"><span className="label">Last image</span><span className="value mono" style={{ fontSize: "0.95rem" }}>{progress.currentImage ?? "—"}</span></div>
        </div>
        {progress.errorMessage && <p className="error-text">{progress.errorMessage}</p>}
        <div className="row"><Link to="/shoots" className="button">All shoots</Link></div>
      </section>
    </>
  );
}
