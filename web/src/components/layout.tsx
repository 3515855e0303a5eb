import { useEffect, useRef, useState, type ReactNode } from "react";
import { useNerveClient, useNerveSelector, useNerveState } from "../../../client/react.js";
import { useStoredState } from "../lib/hooks.js";
import { useDevMode, useLink, useSession } from "../lib/nerve.js";
import { Link, useLocation } from "../lib/router.js";
import { setSession } from "../lib/session.js";
import { formatNumber, formatTime } from "../lib/format.js";
import { AccountDevice } from "./account-device.js";
import { ConflictList } from "./conflict-card.js";
import { ConnectionAnnouncer } from "./connection-announcer.js";
import { ConnectionIndicator, describeLink, INDICATOR_VARIANTS, type IndicatorVariant } from "./connection-indicator.js";
import { DigestPanel } from "./digest-panel.js";
import { AlertIcon, CameraIcon, CoinIcon, HeartIcon, HomeIcon, LogOutIcon, LogoIcon, MoonIcon, SpinnerIcon, TerminalIcon, UsersIcon } from "./icons.js";
import { LiveNotices } from "./live-notices.js";
import { Toasts } from "./toasts.js";

const NAV = [
  { to: "/", label: "Overview", Icon: HomeIcon },
  { to: "/devices", label: "Devices", Icon: UsersIcon },
  { to: "/shoots", label: "Shoots", Icon: CameraIcon },
  { to: "/convergence", label: "Convergence", Icon: HeartIcon },
  { to: "/dreams", label: "Dreams", Icon: MoonIcon },
  { to: "/tester", label: "Tester", Icon: TerminalIcon, devOnly: true },
];

function isCurrent(to: string, pathname: string): boolean {
  return to === "/" ? pathname === "/" : pathname === to || pathname.startsWith(`${to}/`);
}

function CreditsPill() {
  const credits = useNerveState("credits");
  const [bump, setBump] = useState(false);
  const last = useRef(credits?.newBalance);
  useEffect(() => {
    if (credits && last.current !== undefined && credits.newBalance !== last.current) {
      setBump(true);
      const t = setTimeout(() => setBump(false), 700);
      last.current = credits.newBalance;
      return () => clearTimeout(t);
    }
    last.current = credits?.newBalance;
  }, [credits]);
  return (
    <span className={`pill${bump ? " bump" : ""}`} data-testid="credits" title="Credit balance">
      <CoinIcon />
      <span data-testid="credits-balance">{credits ? formatNumber(credits.newBalance) : "—"}</span>
      <span className="pill-label muted">credits</span>
    </span>
  );
}

/** True from this client's first SYNCED on: before it, the mirror is empty, not "no data". */
function useEverSynced(): boolean {
  const synced = useNerveSelector((s) => s.synced);
  const [ever, setEver] = useState(synced);
  useEffect(() => {
    if (synced) setEver(true);
  }, [synced]);
  return ever || synced;
}

/** Shown instead of the page until the first full state arrives, so no page renders empty first. */
function FirstSync() {
  const link = useLink();
  const d = describeLink(link);
  return (
    <div className="card empty" role="status" data-testid="first-sync">
      <SpinnerIcon className="spin" />
      <h2>{link.browserOnline ? "Connecting to your devices…" : "You're offline"}</h2>
      <p className="muted">
        {!link.browserOnline ? "Your things appear here as soon as this device is back online."
          : d.tone === "warn" ? "Nerve cannot be reached yet. Trying again." : "Loading your things."}
      </p>
    </div>
  );
}

function pendingText(pending: number): string {
  return pending > 0 ? `${pending} change${pending === 1 ? "" : "s"} of yours will be sent when you're back.` : "It updates as soon as you're back.";
}

/** The banner under the header while the view is not live: offline, reconnecting, or catching up. */
function LinkBanner() {
  const link = useLink();
  const client = useNerveClient();
  const seenSynced = useEverSynced();
  const pending = useNerveSelector((s) => s.pending);
  const since = link.syncedAt ? ` as of ${formatTime(link.syncedAt)}` : "";
  if (!link.browserOnline || link.status === "offline" || link.status === "closed") {
    return (
      <div className="banner bad" data-testid="link-banner" data-kind="offline">
        <AlertIcon />
        <span>{link.browserOnline && link.status === "closed" ? "Disconnected." : "You're offline."} Showing what you had{since}. {pendingText(pending)}</span>
        <span className="spacer" />
        {link.browserOnline && <button type="button" className="small" onClick={() => client.reconnect()}>Reconnect now</button>}
      </div>
    );
  }
  if (!seenSynced || link.synced) return null;
  return (
    <div className="banner warn" data-testid="link-banner" data-kind="reconnecting">
      <SpinnerIcon className="spin" />
      <span>{link.status === "connected" ? "Catching up…" : "Reconnecting…"} Showing what you had{since}. {pendingText(pending)}</span>
    </div>
  );
}

/** Held edits, on every page but Convergence (which shows them on their fields). */
function GlobalConflicts() {
  const { pathname } = useLocation();
  if (pathname === "/convergence") return null;
  return <div className="global-conflicts"><ConflictList /></div>;
}

export function Layout({ children }: { children: ReactNode }) {
  const session = useSession();
  const dev = useDevMode();
  const link = useLink();
  const { pathname } = useLocation();
  const [variant, setVariant] = useStoredState<IndicatorVariant>("nerve-app.indicator", "standard", INDICATOR_VARIANTS);
  const stale = !link.synced;
  const ready = useEverSynced();
  const menu = useRef<HTMLDetailsElement>(null);
  const nav = NAV.filter((n) => !n.devOnly || dev);
  // The account menu closes on Escape and on a click outside it, as menus do.
  useEffect(() => {
    const close = (e: Event) => {
      const el = menu.current;
      if (!el?.open) return;
      if (e instanceof KeyboardEvent ? e.key === "Escape" : !el.contains(e.target as Node)) el.open = false;
    };
    document.addEventListener("keydown", close);
    document.addEventListener("click", close);
    return () => {
      document.removeEventListener("keydown", close);
      document.removeEventListener("click", close);
    };
  }, []);
  return (
    <div className="app">
      <a className="skip-link" href="#main">Skip to content</a>
      <header className="header">
        <Link to="/" className="brand" aria-label="Nerve home"><LogoIcon /> <span>Nerve</span></Link>
        <nav className="nav" aria-label="Main">
          {nav.map((n) => (
            <Link key={n.to} to={n.to} aria-current={isCurrent(n.to, pathname) ? "page" : undefined}>{n.label}</Link>
          ))}
        </nav>
        <div className="header-right">
          <CreditsPill />
          <ConnectionIndicator link={link} variant={variant} />
          <details className="menu" ref={menu}>
            <summary className="user-chip">
              <span className="sr-only">Account menu: </span>
              <span className="avatar" aria-hidden="true">{(session?.userId ?? "?").slice(0, 2).toUpperCase()}</span>
              <span className="user-name small"><strong>{session?.userId}</strong><br /><span className="muted">{session?.deviceName ?? "this device"}</span></span>
            </summary>
            <div className="menu-panel">
              <AccountDevice />
              <div className="field">
                <label htmlFor="indicator-variant">Connection indicator</label>
                <select id="indicator-variant" value={variant} onChange={(e) => setVariant(e.target.value as IndicatorVariant)}>
                  {INDICATOR_VARIANTS.map((v) => <option key={v} value={v}>{v[0]!.toUpperCase() + v.slice(1)}</option>)}
                </select>
              </div>
              <button type="button" className="danger" onClick={() => setSession(null)}><LogOutIcon width={16} /> Sign out</button>
            </div>
          </details>
        </div>
      </header>
      <LinkBanner />
      <ConnectionAnnouncer link={link} />
      <main id="main" className={`main${stale ? " is-stale" : ""}`} tabIndex={-1}>
        {ready ? <><GlobalConflicts /><DigestPanel />{children}</> : <FirstSync />}
      </main>
      <footer className="footer">Nerve · signed in as {session?.userId} on {session?.deviceName ?? "this device"}</footer>
      <nav className="tabbar" aria-label="Main">
        {nav.map((n) => (
          <Link key={n.to} to={n.to} aria-current={isCurrent(n.to, pathname) ? "page" : undefined}>
            <n.Icon aria-hidden="true" /><span>{n.label}</span>
          </Link>
        ))}
      </nav>
      <LiveNotices />
      <Toasts />
    </div>
  );
}
