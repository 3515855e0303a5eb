import { useEffect, useState, type FormEvent } from "react";
import { LogoIcon } from "../components/icons.js";
import { browserIdentity, newIdentity, saveDeviceName } from "../lib/device-identity.js";
import { navigate, useLocation } from "../lib/router.js";
import { ApiError, devSignIn, devSignInAvailable, hasHost, lastUser, requestHostToken } from "../lib/session.js";

/** Without dev sign-in, the app lives inside a host app that hands it a token (web/README.md, "Host apps"). */
function OpenFromApp() {
  const embedded = hasHost();
  useEffect(() => {
    if (embedded) requestHostToken("start");
  }, [embedded]);
  return (
    <>
      <h1>Open Nerve from your app</h1>
      <p className="hero-sub" data-testid="open-from-app">
        {embedded
          ? "Waiting for your app to sign you in…"
          : "Nerve keeps your devices in step for the app you use it with. Go back to that app and open Nerve from there."}
      </p>
    </>
  );
}

/**
 * Dev sign-in (only with DEV_SIGN_IN=1): pick a user; this browser is one device with a name of
 * its own, kept and editable. Without dev sign-in, the app waits for a token from its host app.
 */
export function SignInPage() {
  const { pathname, search } = useLocation();
  const [available, setAvailable] = useState<boolean | null>(null);
  // "Open another device window" (fresh=1) makes a second device in this browser, for trying sync.
  const [identity] = useState(() => (search.get("fresh") === "1" ? newIdentity() : browserIdentity()));
  const [userId, setUserId] = useState(() => search.get("user") ?? lastUser());
  const [deviceName, setDeviceName] = useState(() => search.get("device") ?? identity.deviceName);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    void devSignInAvailable().then(setAvailable);
  }, []);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const name = deviceName.trim();
      await devSignIn(userId.trim(), name, identity.deviceId);
      if (search.get("fresh") !== "1") saveDeviceName(name);
      // On /sign-in go home; on any other page the app simply renders that page now.
      if (pathname === "/sign-in") navigate("/", { replace: true });
    } catch (err) {
      setError(err instanceof ApiError && err.issues.length
        ? err.issues.map((i) => `${i.path === "userId" ? "User name" : i.path === "deviceName" ? "Device name" : i.path}: ${i.message}`).join(" · ")
        : err instanceof Error ? err.message : "sign-in failed");
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="signin">
      <main className="card" id="main">
        <div className="brand"><LogoIcon width={34} height={34} /> Nerve</div>
        {available === false ? <OpenFromApp /> : (
          <>
            <h1>Sign in to your devices</h1>
            <p className="hero-sub">Local development sign-in. Open Nerve in another browser with the same user: each browser is one of your devices, and they stay in step.</p>
            <form className="stack" onSubmit={submit} aria-describedby={error ? "signin-error" : undefined}>
              <div className="field">
                <label htmlFor="user">User name</label>
                <input id="user" name="user" autoComplete="username" required maxLength={128} pattern="[A-Za-z0-9._:@\-]+" value={userId} onChange={(e) => setUserId(e.target.value)} placeholder="alice" />
                <span className="hint">Letters, digits and . _ : @ -</span>
              </div>
              <div className="field">
                <label htmlFor="device">Device name</label>
                <input id="device" name="device" required maxLength={64} value={deviceName} onChange={(e) => setDeviceName(e.target.value)} placeholder="Work laptop" />
                <span className="hint">How this browser appears on your other devices. You can change it later.</span>
              </div>
              {error && <p className="error-text" id="signin-error" role="alert">{error}</p>}
              <button type="submit" className="primary" disabled={busy || available === null}>{busy ? "Signing in…" : "Sign in"}</button>
            </form>
          </>
        )}
      </main>
    </div>
  );
}
