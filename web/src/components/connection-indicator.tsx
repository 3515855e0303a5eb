import { useId, useState } from "react";
import type { NerveStatus } from "../../../client/types.js";
import { formatTime } from "../lib/format.js";
import { LockIcon } from "./icons.js";

export type IndicatorVariant = "standard" | "compact" | "premium";
export const INDICATOR_VARIANTS: IndicatorVariant[] = ["standard", "compact", "premium"];

/** What the indicator shows; the app derives it from the SDK's snapshot. */
export interface LinkInfo {
  status: NerveStatus;
  synced: boolean;
  latencyMs: number | null;
  quality: number;
  reconnectAttempts: number;
  seq: number;
  /** Sealed state is set up on this device and verified: directory, grant and key (docs/encryption.md). */
  secure: boolean;
  /** The sealed key's epoch when `secure`. */
  epoch?: number;
  lastClose: { code: number; reason: string } | null;
  /** The browser says it has a network (`navigator.onLine`). */
  browserOnline: boolean;
  /** When the view was last known current (ms), or null before the first sync. */
  syncedAt: number | null;
}

type Tone = "ok" | "info" | "warn" | "bad";

/** Label, tone, dot shape and pulse for a status: the colour is never the only signal. */
export function describeLink(link: Pick<LinkInfo, "status" | "synced" | "browserOnline">): { label: string; tone: Tone; shape: "fill" | "ring" | "square"; pulse: boolean } {
  // The browser knows it has no network: say so, rather than "Reconnecting" forever.
  if (!link.browserOnline && link.status !== "connected") return { label: "You're offline", tone: "bad", shape: "square", pulse: false };
  switch (link.status) {
    case "connected":
      return link.synced ? { label: "Live", tone: "ok", shape: "fill", pulse: false } : { label: "Catching up", tone: "info", shape: "ring", pulse: true };
    case "connecting":
      return { label: "Connecting", tone: "warn", shape: "ring", pulse: true };
    case "reconnecting":
      return { label: "Reconnecting", tone: "warn", shape: "ring", pulse: true };
    case "offline":
      return { label: "You're offline", tone: "bad", shape: "square", pulse: false };
    case "closed":
      return { label: "Disconnected", tone: "bad", shape: "square", pulse: false };
  }
}

export function qualityLabel(quality: number): string {
  if (quality >= 80) return "Excellent";
  if (quality >= 60) return "Good";
  if (quality >= 35) return "Fair";
  if (quality > 0) return "Poor";
  return "No link";
}

function barsOf(quality: number): number {
  return quality >= 80 ? 4 : quality >= 60 ? 3 : quality >= 35 ? 2 : quality > 0 ? 1 : 0;
}

function Bars({ quality }: { quality: number }) {
  const on = barsOf(quality);
  return (
    <span className="conn-bars" aria-hidden="true">
      {[5, 8, 11, 14].map((h, i) => <span key={h} className={i < on ? "on" : ""} style={{ height: h }} />)}
    </span>
  );
}

/**
 * The connection indicator of the header, in three variants: `standard` (status word, latency,
 * quality), `compact` (a status glyph only) and `premium` (status word, quality bars, a lock).
 * Every variant has the same tooltip, shown on hover, focus and tap. Its accessible name is
 * "Connection: <status>" and nothing else: latency and quality are in the description, so the
 * name does not change with every latency reading (status changes are also announced once by
 * ConnectionAnnouncer).
 */
export function ConnectionIndicator({ link, variant = "standard" }: { link: LinkInfo; variant?: IndicatorVariant }) {
  const d = describeLink(link);
  const tipId = useId();
  const [open, setOpen] = useState(false);
  const latency = link.latencyMs === null ? "—" : `${link.latencyMs} ms`;
  const connected = link.status === "connected";
  return (
    <div className={`conn conn-${variant} conn-${d.tone}${open ? " open" : ""}`} data-testid="connection-indicator" data-status={link.status} data-synced={link.synced}>
      <button type="button" className="conn-button" aria-describedby={tipId} aria-expanded={open}
        onClick={() => setOpen((o) => !o)} onBlur={() => setOpen(false)}>
        <span className="sr-only">Connection: </span>
        {variant === "compact" && <span className="sr-only">{d.label}</span>}
        {variant === "compact"
          ? <span className={`conn-glyph conn-glyph-${d.shape}${d.pulse ? " pulse" : ""}`} aria-hidden="true" />
          : <span className={`conn-dot shape-${d.shape}${d.pulse ? " pulse" : ""}`} aria-hidden="true" />}
        {variant !== "compact" && <span className="conn-text" data-testid="connection-label">{d.label}</span>}
        {variant === "standard" && connected && (
          <span className="conn-metric" aria-hidden="true">{latency}</span>
        )}
        {variant === "standard" && link.secure && <LockIcon className="conn-lock" title="End-to-end encrypted: verified on this device" />}
        {variant === "premium" && (
          <>
            <Bars quality={connected ? link.quality : 0} />
            {connected && <span className="conn-metric" aria-hidden="true">{latency}</span>}
            {link.secure && <LockIcon className="conn-lock" title="End-to-end encrypted: verified on this device" />}
          </>
        )}
      </button>
      <div role="tooltip" id={tipId} className="tooltip">
        <dl>
          <dt>Status</dt><dd data-testid="tip-status">{d.label}</dd>
          <dt>Latency</dt><dd>{connected ? latency : "—"}</dd>
          <dt>Quality</dt><dd>{connected ? `${qualityLabel(link.quality)} (${link.quality}%)` : "—"}</dd>
          <dt>Reconnect attempts</dt><dd data-testid="tip-attempts">{link.reconnectAttempts}</dd>
          <dt>Up to date as of</dt><dd data-testid="tip-synced">{link.synced ? "now" : link.syncedAt ? formatTime(link.syncedAt) : "—"}</dd>
          <dt>Sealed state</dt>
          <dd data-testid="tip-sealed">{link.secure ? <span className="row" style={{ justifyContent: "flex-end", gap: 4 }}><LockIcon className="conn-lock" /> end-to-end, verified (key {link.epoch})</span> : "Not set up on this device"}</dd>
        </dl>
      </div>
    </div>
  );
}
