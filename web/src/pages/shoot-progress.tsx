import { useEffect, useMemo, useState } from "react";
import { useNerveEvent, useShootProgress } from "../../../client/react.js";
import { shootStalled } from "../../../protocol/index.js";
import { ActivityList } from "../components/activity-list.js";
import { DismissShootButton } from "../components/dismiss-shoot.js";
import { useActivity } from "../lib/nerve.js";
import { AlertIcon, ClockIcon, ImageIcon } from "../components/icons.js";
import { ProgressBar, ShootStatusBadge } from "../components/shoot-status.js";
import { formatDuration, relativeTime } from "../lib/format.js";
import { useNow } from "../lib/hooks.js";
import { Link, navigate } from "../lib/router.js";

/** How long 100% stays on screen before the report opens. */
const REDIRECT_DELAY_MS = 1200;

/** The updates of this shoot from the persisted activity feed, newest first (the state keeps only the latest). */
function Activity({ shootId }: { shootId: string }) {
  const { items } = useActivity();
  const ticks = useMemo(() => items.filter((i) => i.type === "SHOOT_PROGRESS" && i.data.shootId === shootId).slice(0, 8), [items, shootId]);
  if (ticks.length === 0) return null;
  return (
    <section className="card" aria-labelledby="activity-title" style={{ marginTop: "1rem" }}>
      <h2 id="activity-title">Updates</h2>
      <ActivityList items={ticks} testId="shoot-activity" />
    </section>
  );
}

/** The Kull seed's ShootProgress page: live bar, current image, ETA countdown, status, errors. */
export function ShootProgressPage({ shootId }: { shootId: string }) {
  const { progress, progressPercentage, isComplete, isFailed } = useShootProgress(shootId);
  const now = useNow(1000);
  // The SDK drops a removed shoot from the mirror; this says why the page is empty again.
  const [removed, setRemoved] = useState<string | null>(null);
  useNerveEvent("STATE_REMOVED", (e) => {
    if (e.data.keys.includes(`shoots.${shootId}`)) setRemoved(e.data.reason);
  });

  useEffect(() => {
    if (!isComplete) return;
    const t = setTimeout(() => navigate(`/shoots/${encodeURIComponent(shootId)}/report`, { replace: true }), REDIRECT_DELAY_MS);
    return () => clearTimeout(t);
  }, [isComplete, shootId]);

  const stalled = progress ? shootStalled(progress, now) : false;
  const remaining = !stalled && progress?.eta !== undefined && progress.status === "processing"
    ? Math.max(0, progress.eta - (now - progress.updatedAt) / 1000) : null;

  return (
    <>
      <div className="page-head">
        <div>
          <p className="small"><Link to="/shoots">Shoots</Link> /</p>
          <h1 className="mono" style={{ fontSize: "1.4rem" }}>{shootId}</h1>
        </div>
        {progress && <div className="row"><ShootStatusBadge status={progress.status} stalled={stalled} /><DismissShootButton shoot={progress} now={now} onDone={() => navigate("/shoots")} /></div>}
      </div>

      <section className="card" aria-labelledby="progress-title" data-testid="shoot-progress">
        <h2 id="progress-title" className="sr-only">Progress</h2>
        {!progress && removed ? (
          <div className="stack" data-testid="shoot-removed">
            <div className="row"><ClockIcon width={20} /><strong>This shoot was removed ({removed === "expired" ? "it finished a while ago" : removed === "evicted" ? "to make room for newer shoots" : "dismissed"}).</strong></div>
            <p className="muted small"><Link to="/shoots">Back to the shoots</Link></p>
          </div>
        ) : !progress ? (
          <div className="stack" data-testid="shoot-waiting">
            <div className="row"><ClockIcon width={20} /><strong>Waiting for the first update…</strong></div>
            <ProgressBar value={0} label="Waiting for progress" indeterminate />
            <p className="muted small">This page fills in the moment the processing service reports progress for <code>{shootId}</code>, on every device at once.</p>
          </div>
        ) : (
          <div className="stack stale">
            <div className="row" style={{ alignItems: "baseline", justifyContent: "space-between" }}>
              <span className="big-number" data-testid="shoot-percent">{progressPercentage}%</span>
              <span className="muted">{progress.processedCount} of {progress.totalCount} images</span>
            </div>
            <ProgressBar value={progressPercentage} label={`Shoot ${shootId} progress`} testId="shoot-bar"
              tone={isComplete ? "ok" : isFailed ? "bad" : undefined} />
            {isFailed && (
              <div className="banner bad" role="alert" style={{ borderRadius: 9, border: "1px solid currentColor" }} data-testid="shoot-error">
                <AlertIcon /> <span><strong>Processing failed.</strong> {progress.errorMessage ?? "The service reported a failure without a message."}</span>
              </div>
            )}
            {stalled && (
              <div className="banner warn" role="status" style={{ borderRadius: 9, border: "1px solid currentColor" }} data-testid="shoot-stalled">
                <AlertIcon /> <span><strong>Stalled.</strong> No update from the processing service for {relativeTime(progress.updatedAt, now).replace(" ago", "")}. It may still finish; if not, dismiss it.</span>
              </div>
            )}
            {isComplete && <p className="badge ok" role="status" style={{ alignSelf: "flex-start" }}>Completed · opening the report…</p>}
            <div className="stats">
              <div className="stat">
                <span className="label">Current image</span>
                <span className="value row" style={{ fontSize: "1rem" }} data-testid="shoot-image"><ImageIcon width={18} /> {progress.currentImage ?? "—"}</span>
              </div>
              <div className="stat">
                <span className="label">Time left</span>
                <span className="value" data-testid="shoot-eta" aria-live="off">
                  {stalled ? "Unknown" : remaining !== null ? formatDuration(remaining) : progress.status === "queued" ? "Queued" : "—"}
                </span>
              </div>
              <div className="stat">
                <span className="label">Provider</span>
                <span className="value" style={{ fontSize: "1rem" }}>{progress.provider ?? "—"}</span>
              </div>
              <div className="stat">
                <span className="label">Last update</span>
                <span className="value" style={{ fontSize: "1rem" }}>{relativeTime(progress.updatedAt, now)}</span>
              </div>
            </div>
          </div>
        )}
      </section>
      <Activity shootId={shootId} />
    </>
  );
}
