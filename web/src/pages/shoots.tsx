import { useMemo, useState } from "react";
import type { ShootState } from "../../../client/index.js";
import { useNerveSelector } from "../../../client/react.js";
import { CameraIcon, PlayIcon } from "../components/icons.js";
import { ProgressBar, ShootStatusBadge } from "../components/shoot-status.js";
import { toast } from "../components/toasts.js";
import { shootStalled } from "../../../protocol/index.js";
import { DismissShootButton } from "../components/dismiss-shoot.js";
import { relativeTime } from "../lib/format.js";
import { useNow } from "../lib/hooks.js";
import { useSession } from "../lib/nerve.js";
import { Link, navigate } from "../lib/router.js";
import { runDemoShoot } from "../lib/service-api.js";

/** Every `shoots.<id>` key of the state, newest first. */
export function useShoots(): ShootState[] {
  const state = useNerveSelector((s) => s.state);
  return useMemo(() => Object.entries(state)
    .filter(([k, v]) => k.startsWith("shoots.") && v)
    .map(([, v]) => v as ShootState)
    .sort((a, b) => b.updatedAt - a.updatedAt), [state]);
}

export const percentOf = (s: Pick<ShootState, "processedCount" | "totalCount">) => (s.totalCount > 0 ? Math.round((100 * s.processedCount) / s.totalCount) : 0);

/** Starts a demo shoot published with the dev service token, and opens its progress page. */
export function DemoShootButton({ fail = false }: { fail?: boolean }) {
  const session = useSession();
  const [busy, setBusy] = useState(false);
  if (!session?.serviceToken) return null;
  const start = () => {
    const id = `demo-${Date.now().toString(36)}`;
    setBusy(true);
    navigate(`/shoots/${id}`);
    runDemoShoot(id, { fail })
      .catch((err: unknown) => toast("bad", "Demo shoot stopped", err instanceof Error ? err.message : String(err)))
      .finally(() => setBusy(false));
  };
  return (
    <button type="button" className={fail ? "" : "primary"} onClick={start} disabled={busy}>
      <PlayIcon width={15} /> {fail ? "Run a failing demo" : "Run a demo shoot"}
    </button>
  );
}

export function ShootRow({ shoot, now }: { shoot: ShootState; now: number }) {
  const pct = percentOf(shoot);
  const stalled = shootStalled(shoot, now);
  const to = shoot.status === "completed" ? `/shoots/${encodeURIComponent(shoot.shootId)}/report` : `/shoots/${encodeURIComponent(shoot.shootId)}`;
  return (
    <li className="shoot-item" data-testid="shoot-row" data-shoot={shoot.shootId} data-stalled={stalled}>
      <Link to={to} className="list-item">
        <span className="device-icon"><CameraIcon /></span>
        <div className="grow">
          <div className="row" style={{ justifyContent: "space-between" }}>
            <span className="title">{shoot.shootId}</span>
            <ShootStatusBadge status={shoot.status} stalled={stalled} />
          </div>
          <div style={{ margin: "0.45rem 0 0.3rem" }}>
            <ProgressBar value={pct} label={`${shoot.shootId} progress`} tone={shoot.status === "completed" ? "ok" : shoot.status === "failed" ? "bad" : undefined} />
          </div>
          <div className="sub">{shoot.processedCount} of {shoot.totalCount} images · {pct}%{shoot.provider ? ` · ${shoot.provider}` : ""} · {stalled ? "no update" : "updated"} {relativeTime(shoot.updatedAt, now)}</div>
        </div>
      </Link>
      <DismissShootButton shoot={shoot} now={now} />
    </li>
  );
}

export function ShootsPage() {
  const shoots = useShoots();
  const now = useNow(5000);
  const active = shoots.filter((s) => (s.status === "queued" || s.status === "processing") && !shootStalled(s, now)).length;
  const stalled = shoots.filter((s) => shootStalled(s, now)).length;
  return (
    <>
      <div className="page-head">
        <div>
          <h1>Shoots</h1>
          <p>{shoots.length} shoot{shoots.length === 1 ? "" : "s"} · {active} in progress{stalled ? ` · ${stalled} stalled` : ""}. Progress streams in from the processing service.</p>
        </div>
        <div className="row"><DemoShootButton /><DemoShootButton fail /></div>
      </div>
      <section className="card" aria-label="All shoots">
        {shoots.length === 0 ? (
          <div className="empty">
            <CameraIcon />
            <h3>No shoots yet</h3>
            <p>When a processing service posts progress for a shoot, it appears here on every device.</p>
          </div>
        ) : (
          <ul className="list stale" data-testid="shoot-list">{shoots.map((s) => <ShootRow key={s.shootId} shoot={s} now={now} />)}</ul>
        )}
      </section>
    </>
  );
}
