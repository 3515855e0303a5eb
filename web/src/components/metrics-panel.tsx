import { useCallback, useEffect, useState } from "react";
import { useSession } from "../lib/nerve.js";
import { fetchMetrics, type MetricsResult } from "../lib/metrics-api.js";

const REFRESH_MS = 5000;
const num = (n: number) => n.toLocaleString("en-US");
const size = (b: number) => (b < 1024 ? `${b} B` : b < 1024 * 1024 ? `${(b / 1024).toFixed(1)} KiB` : `${(b / 1024 / 1024).toFixed(2)} MiB`);

/**
 * The signed-in user's hub counters, read every 5 s through the metrics route with the dev
 * sign-in's service token. Reading them wakes the hub: that read is counted too.
 */
export function MetricsPanel() {
  const session = useSession();
  const [result, setResult] = useState<MetricsResult | null>(null);
  const token = session?.serviceToken;
  const userId = session?.userId;

  const load = useCallback(async () => {
    if (!userId || !token) return;
    try {
      setResult(await fetchMetrics(userId, token));
    } catch (err) {
      setResult({ ok: false, status: 0, message: err instanceof Error ? err.message : String(err) });
    }
  }, [userId, token]);

  useEffect(() => {
    void load();
    const t = setInterval(() => void load(), REFRESH_MS);
    return () => clearInterval(t);
  }, [load]);

  if (!token) {
    return (
      <section className="card" aria-labelledby="metrics-title" data-testid="metrics-panel">
        <h2 id="metrics-title">Hub metrics</h2>
        <p className="small muted">Needs a service token with sync:read: sign in with the dev sign-in, or run <code>npx nerve metrics --user {userId ?? "<id>"}</code>.</p>
      </section>
    );
  }
  const m = result?.ok ? result.metrics : null;
  const refusals = m ? Object.entries(m.refusals).sort((a, b) => b[1] - a[1]) : [];
  const stats: [string, string, string][] = m ? [
    ["Events in / out", `${num(m.events.in)} / ${num(m.events.out)}`, "events"],
    ["Bytes in / out", `${size(m.bytes.in)} / ${size(m.bytes.out)}`, "bytes"],
    ["Sockets open", `${num(m.sockets.open)}`, "sockets"],
    ["Catch-ups", `${num(m.catchUp.count)} · ${num(m.catchUp.events)} ev`, "catch-ups"],
    ["Dedup hits", `${num(m.dedupHits.client + m.dedupHits.service)}`, "dedup"],
    ["Wakes / alarms", `${num(m.wakes)} / ${num(m.alarms)}`, "wakes"],
    ["Storage", size(m.storageBytes), "storage"],
  ] : [];
  return (
    <section className="card" aria-labelledby="metrics-title" data-testid="metrics-panel">
      <div className="card-head">
        <h2 id="metrics-title">Hub metrics</h2>
        <button type="button" className="small" onClick={() => void load()}>Refresh</button>
      </div>
      {result && !result.ok && <p className="error-text" role="alert">Could not read metrics: {result.message}</p>}
      {!result && <p className="small muted">Reading…</p>}
      {m && (
        <>
          <div className="stats">
            {stats.map(([label, value, id]) => (
              <div className="stat" key={id} data-testid={`metric-${id}`}>
                <span className="label">{label}</span>
                <span className="value mono" style={{ fontSize: "1.05rem", whiteSpace: "nowrap" }}>{value}</span>
              </div>
            ))}
          </div>
          <p className="small muted" style={{ marginTop: "0.75rem" }} data-testid="metric-refusals">
            Refusals: {refusals.length ? refusals.map(([code, n]) => `${code} ${num(n)}`).join(" · ") : "none"}
          </p>
          <p className="small muted">
            {num(m.sockets.opened)} sockets opened, {num(m.sockets.closed)} closed · largest catch-up {num(m.catchUp.maxEvents)} events, {size(m.catchUp.maxBytes)} · counting since {new Date(m.since).toLocaleString()}
          </p>
        </>
      )}
    </section>
  );
}
