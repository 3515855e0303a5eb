import { ConnectionIndicator, INDICATOR_VARIANTS } from "../components/connection-indicator.js";
import { DeviceList } from "../components/device-list.js";
import { SealedPanel } from "../components/sealed-panel.js";
import { useDevMode, useLink } from "../lib/nerve.js";

/** The three indicator variants side by side, with what they are for. */
export function IndicatorShowcase() {
  const link = useLink();
  return (
    <section className="card" aria-labelledby="link-title">
      <div className="card-head">
        <h2 id="link-title">This device's connection</h2>
      </div>
      <div className="stack">
        {INDICATOR_VARIANTS.map((v) => (
          <div key={v} className="row" style={{ justifyContent: "space-between" }}>
            <span className="small muted" style={{ textTransform: "capitalize" }}>{v}</span>
            <ConnectionIndicator link={link} variant={v} />
          </div>
        ))}
        <p className="small faint" style={{ margin: 0 }}>Hover or focus an indicator for details. Pick the header's variant in the account menu.</p>
      </div>
    </section>
  );
}

export function DevicesPage() {
  const dev = useDevMode();
  return (
    <>
      <div className="page-head">
        <div>
          <h1>Devices</h1>
          <p>Everything signed in as you, live. A device appears the moment it connects.</p>
        </div>
      </div>
      <div className="grid grid-wide">
        <DeviceList />
        <div className="stack" style={{ gap: "1rem" }}>
          <SealedPanel />
          {dev && <IndicatorShowcase />}
        </div>
      </div>
    </>
  );
}
