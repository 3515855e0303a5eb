import { useNerveState } from "../../../client/react.js";
import { DeviceList } from "../components/device-list.js";
import { BellIcon, CameraIcon, CoinIcon } from "../components/icons.js";
import { ActivityList } from "../components/activity-list.js";
import { ProgressBar } from "../components/shoot-status.js";
import { formatChange, formatNumber, percent, relativeTime } from "../lib/format.js";
import { useNow } from "../lib/hooks.js";
import { useActivity, useDevMode, useSession } from "../lib/nerve.js";
import { Link } from "../lib/router.js";
import { IndicatorShowcase } from "./devices.js";
import { DemoShootButton, ShootRow, useShoots } from "./shoots.js";

function CreditsCard() {
  const credits = useNerveState("credits");
  const now = useNow(5000);
  return (
    <section className="card" aria-labelledby="credits-title">
      <div className="card-head"><h2 id="credits-title">Credits</h2><CoinIcon width={20} style={{ color: "var(--warn)" }} /></div>
      <div className="stale">
        <div className="big-number" data-testid="credits-card-balance">{credits ? formatNumber(credits.newBalance) : "—"}</div>
        {credits ? (
          <p className="muted small" style={{ marginTop: "0.5rem" }}>
            Last change <strong className={credits.change >= 0 ? "" : "error-text"}>{formatChange(credits.change)}</strong> · {credits.reason} · {relativeTime(credits.updatedAt, now)}
          </p>
        ) : <p className="muted small" style={{ marginTop: "0.5rem" }}>No balance yet: it appears with the first credit update.</p>}
      </div>
    </section>
  );
}

function PromptsCard() {
  const { items } = useActivity();
  const prompts = items.filter((i) => i.type === "PROMPT_CHANGE").slice(0, 4);
  return (
    <section className="card" aria-labelledby="prompts-title">
      <div className="card-head"><h2 id="prompts-title">Prompt marketplace</h2><BellIcon width={20} /></div>
      {prompts.length === 0 ? <p className="muted small">Changes to prompts you follow show up here.</p> : <ActivityList items={prompts} testId="prompt-notices" />}
    </section>
  );
}

function ActivityCard() {
  const { items } = useActivity();
  const recent = items.slice(0, 6);
  return (
    <section className="card" aria-labelledby="activity-title">
      <div className="card-head"><h2 id="activity-title">Recent activity</h2></div>
      {recent.length === 0 ? <p className="muted small">Changes from all your devices and services appear here, and stay after a reload.</p> : <ActivityList items={recent} testId="activity-feed" />}
    </section>
  );
}

function ConvergenceCard() {
  const convergence = useNerveState("convergence");
  const posture = useNerveState("posture");
  return (
    <section className="card" aria-labelledby="conv-title">
      <div className="card-head"><h2 id="conv-title">Convergence</h2><Link to="/convergence" className="small">Open</Link></div>
      <div className="stack stale">
        <div className="row" style={{ justifyContent: "space-between" }}>
          <span className="muted small">Progress</span><strong>{percent(convergence?.progress ?? 0)}</strong>
        </div>
        <ProgressBar value={(convergence?.progress ?? 0) * 100} label="Convergence progress" />
        <div className="row" style={{ justifyContent: "space-between" }}>
          <span className="muted small">Posture</span>
          <span className="badge info" style={{ textTransform: "capitalize" }}>{posture?.posture ?? "not set"}</span>
        </div>
      </div>
    </section>
  );
}

export function OverviewPage() {
  const session = useSession();
  const shoots = useShoots();
  const now = useNow(5000);
  const dev = useDevMode();
  return (
    <>
      <div className="page-head">
        <div>
          <h1>Hello, {session?.userId}</h1>
          <p>Everything here is live on all your devices.</p>
        </div>
      </div>
      <div className={`grid ${dev ? "grid-3" : "grid-2"}`} style={{ marginBottom: "1rem" }}>
        <CreditsCard />
        <ConvergenceCard />
        {dev && <IndicatorShowcase />}
      </div>
      <div className="grid grid-2">
        <div className="stack" style={{ gap: "1rem" }}>
          <DeviceList limit={5} />
          <ActivityCard />
        </div>
        <div className="stack" style={{ gap: "1rem" }}>
          <section className="card" aria-labelledby="recent-shoots">
            <div className="card-head"><h2 id="recent-shoots">Recent shoots</h2><Link to="/shoots" className="small">All shoots</Link></div>
            {shoots.length === 0 ? (
              <div className="empty" style={{ padding: "1rem" }}>
                <CameraIcon />
                <p>No shoots yet.</p>
                <DemoShootButton />
              </div>
            ) : <ul className="list stale">{shoots.slice(0, 3).map((s) => <ShootRow key={s.shootId} shoot={s} now={now} />)}</ul>}
          </section>
          <PromptsCard />
        </div>
      </div>
    </>
  );
}
