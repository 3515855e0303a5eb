import type { DeviceInfo } from "../../../client/index.js";
import { useNerveSelector } from "../../../client/react.js";
import { relativeTime } from "../lib/format.js";
import { useNow } from "../lib/hooks.js";
import { describeLink } from "./connection-indicator.js";
import { useDevMode, useLink, useSession } from "../lib/nerve.js";
import { usePresence } from "../lib/presence.js";
import { presenceOf, type PresenceKind } from "../lib/presence-rules.js";
import { ExternalIcon, PlatformIcon, PLATFORM_LABELS, UsersIcon } from "./icons.js";

/** Opens another window signed in as the same user on a new device (dev sign-in only). */
export function openSecondDevice(userId: string): void {
  const url = `/sign-in?user=${encodeURIComponent(userId)}&fresh=1`;
  window.open(url, "_blank", "noopener");
}

function secondsAgo(ms: number, now: number): string {
  const s = Math.max(0, Math.round((now - ms) / 1000));
  return s < 90 ? `${s} s ago` : relativeTime(ms, now);
}

function Badge({ kind, label }: { kind: PresenceKind; label: string }) {
  const tone = kind === "offline" ? "neutral" : kind === "stale" ? "warn" : "ok";
  const glyph = kind === "offline" ? "○" : kind === "stale" ? "◐" : "●";
  return <span className={`badge ${tone}`} data-testid="presence-badge"><span aria-hidden="true">{glyph}</span> {label}</span>;
}

function Row({ d, kind, sub, badge }: { d: DeviceInfo; kind: PresenceKind; sub: string; badge: string }) {
  return (
    <li className={`list-item device-row presence-${kind}`} data-testid="device" data-device={d.deviceId} data-online={d.online} data-presence={kind}>
      <span className="device-icon"><PlatformIcon platform={d.platform} /></span>
      <div className="grow">
        <div className="title">{kind === "you" ? <>You <span className="muted">· {d.name ?? "this device"}</span></> : d.name ?? "Unnamed device"}</div>
        <div className="sub">{sub}</div>
      </div>
      <Badge kind={kind === "you" ? (badge === "Live" ? "online" : "stale") : kind} label={badge} />
    </li>
  );
}

/**
 * The user's devices, live: this device first as "You", then the others by name, each "Online",
 * "Last heard N s ago" (silent for more than a heartbeat: probably lost its network) or "Offline".
 */
export function DeviceList({ limit }: { limit?: number }) {
  const { devices, lastHeard, heartbeatMs } = usePresence();
  const me = useNerveSelector((s) => s.deviceId);
  const session = useSession();
  const dev = useDevMode();
  const link = useLink();
  const now = useNow(1000);
  const mine = devices.find((d) => d.deviceId === me);
  const others = devices.filter((d) => d.deviceId !== me);
  const online = others.filter((d) => d.online).length;
  const shown = limit ? others.slice(0, limit - 1) : others;
  const own = describeLink(link);

  return (
    <section className="card" aria-labelledby="devices-title" data-testid="device-list">
      <div className="card-head">
        <h2 id="devices-title">Devices</h2>
        <span className="muted small" data-testid="device-counts">
          {online === 0 ? "No other device online" : `${online} other device${online === 1 ? "" : "s"} online`}
        </span>
      </div>
      <ul className="list stale">
        {mine && <Row d={mine} kind="you" sub={`${PLATFORM_LABELS[mine.platform]} · this device`} badge={own.tone === "ok" ? "Live" : own.label} />}
        {shown.map((d) => {
          // While this device is not live, what it last heard is all it knows: no "last heard" judgement.
          const kind = presenceOf(d, me, link.synced ? lastHeard[d.deviceId] : undefined, heartbeatMs, now);
          const heard = lastHeard[d.deviceId];
          const sub = kind === "offline" ? `${PLATFORM_LABELS[d.platform]} · last seen ${relativeTime(d.lastSeen, now)}`
            : kind === "stale" && heard !== undefined ? `${PLATFORM_LABELS[d.platform]} · not heard from for ${secondsAgo(heard, now).replace(" ago", "")}; it may have lost its network`
            : `${PLATFORM_LABELS[d.platform]}${d.connections > 1 ? ` · ${d.connections} windows` : ""}`;
          const badge = kind === "offline" ? "Offline" : kind === "stale" && heard !== undefined ? `Last heard ${secondsAgo(heard, now)}` : "Online";
          return <Row key={d.deviceId} d={d} kind={kind} sub={sub} badge={badge} />;
        })}
      </ul>
      {others.length === 0 && (
        <div className="empty" style={{ padding: "1rem" }}>
          <UsersIcon />
          <p>Your phone, laptop and other browsers appear here as soon as they connect.</p>
        </div>
      )}
      {limit && others.length > shown.length && <p className="small muted" style={{ marginTop: "0.6rem" }}>and {others.length - shown.length} more</p>}
      {dev && session && (
        <div className="row" style={{ marginTop: "0.9rem" }}>
          <button type="button" className="small" onClick={() => openSecondDevice(session.userId)}>
            <ExternalIcon width={14} /> Open another device window
          </button>
        </div>
      )}
    </section>
  );
}
