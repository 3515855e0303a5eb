import { useEffect, useState } from "react";
import { LogoIcon } from "../components/icons.js";
import { navigate } from "../lib/router.js";
import { hasHost, requestHostToken, type SessionEnd } from "../lib/session.js";

/**
 * The token stopped working (expired, or refused). Inside a host app, the app asks it for a new
 * one (`nerve:token-request`, web/README.md "Host apps") and carries on when it arrives; on its
 * own, it says how to get back in.
 */
export function SessionEndedPage({ reason, dev }: { reason: SessionEnd; dev: boolean }) {
  const embedded = hasHost();
  const [asked, setAsked] = useState(false);
  useEffect(() => {
    document.title = "Session ended · Nerve";
  }, []);
  const ask = () => setAsked(requestHostToken(reason));
  return (
    <div className="signin">
      <main className="card" id="main" data-testid="session-ended" data-reason={reason}>
        <div className="brand"><LogoIcon width={34} height={34} /> Nerve</div>
        <h1>Your session ended</h1>
        <p className="hero-sub">
          {reason === "expired" ? "For your security, sessions end after a while." : "Your sign-in is no longer accepted."} Nothing you changed is lost:
          changes not yet sent go out as soon as you continue.
        </p>
        {embedded ? (
          <div className="stack">
            <button type="button" className="primary" onClick={ask} data-testid="session-continue">Continue</button>
            {asked && <p className="small muted" role="status">Asking your app to sign you in again…</p>}
          </div>
        ) : dev ? (
          <button type="button" className="primary" onClick={() => navigate("/sign-in?fresh=0")}>Sign in again</button>
        ) : (
          <p className="muted" role="status">Go back to the app you opened Nerve from, and open it again there.</p>
        )}
      </main>
    </div>
  );
}
