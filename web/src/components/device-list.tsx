import { useDevices, useNerveSelector } from "../../../client/react.js";
import { relativeTime } from "../lib/format.js";
import { useNow } from "../lib/hooks.js";
import { useSession } from "../lib/nerve.js";
import { ExternalIcon, PlatformIcon, PLATFORM_LABELS, UsersIcon } from "./icons.js";

/** Opens another window signed in as the same user on a new device. */
export function openSecondDevice(userId: string): void {
  const url = `/sign-in?user=${encodeURIComponent(userId)}&fresh=1`;
  window.open(url, "_blank", "noopener");
}

/** The Kull seed's DeviceList: live, with platform icons, online badges, last seen and counts. */
export function DeviceList({ limit }: { limit?: number }) {
  const devices = useDevices();
  const me = useNerveSelector((s) => s.deviceId);
  const session = useSession();
  const now = useNow(5000);
  const online = devices.filter((d) => d.online);
  const connections = online.reduce((n, d) => n + d.connections, 0);
  const shown = limit ? devices.slice(0, limit) : devices;

  return (
    <section className="card" aria-labelledby="devices-title" data-testid="device-list">
      <div className="card-head">
        <h2 id="devices-title">Devices</h2>
        <span className="muted small" data-testid="device-counts">
          <strong className="mono">{online.length}</strong> online · {connections} connection{connections === 1 ? "" : "s"} · {devices.length} known
        </span>
      </div>
      {devices.length === 0 ? (
        <div className="empty">
          <UsersIcon />
          <h3>No devices yet</h3>
          <p>Your phone, laptop and this browser appear here as soon as they connect.</p>
        </div>
      ) : (
        <ul className="list stale">
          {shown.map((d) => (
            <li key={d.deviceId} className={`list-item${d.online ? "" : " offline"}`} data-testid="device" data-device={d.deviceId} data-online={d.online}>
              <span className="device-icon"><PlatformIcon platform={d.platform} /></span>
              <div className="grow">
                <div className="title">{d.name ?? d.deviceId}{d.deviceId === me && <span className="muted small"> (this window)</span>}</div>
                <div className="sub">
                  {PLATFORM_LABELS[d.platform]} · {d.online ? `${d.connections} connection${d.connections === 1 ? "" : "s"}` : `last seen ${relativeTime(d.lastSeen, now)}`} · acked seq {d.ackedSeq}
                </div>
              </div>
              {d.online
                ? <span className="badge ok"><span aria-hidden="true">●</span> Online</span>
                : <span className="badge neutral"><span aria-hidden="true">○</span> Offline</span>}
            </li>
          ))}
        </ul>
      )}
      {limit && devices.length > limit && <p className="small muted" style={{ marginTop: "0.6rem" }}>and {devices.length - limit} more</p>}
      {session && (
        <div className="row" style={{ marginTop: "0.9rem" }}>
          <button type="button" className="small" onClick={() => openSecondDevice(session.userId)}>
            <ExternalIcon width={14} /> Open another device window
          </button>
        </div>
      )}
    </section>
  );
}
