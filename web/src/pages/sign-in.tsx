import { useEffect, useState, type FormEvent } from "react";
import { LogoIcon } from "../components/icons.js";
import { navigate, useLocation } from "../lib/router.js";
import { ApiError, devSignIn, devSignInAvailable, lastUser, suggestedDeviceName } from "../lib/session.js";

/**
 * Dev sign-in: pick a user and a device name; the Worker mints the tokens (only with
 * DEV_SIGN_IN=1). Without it, the app waits for a token from its host app.
 */
export function SignInPage() {
  const { pathname, search } = useLocation();
  const [available, setAvailable] = useState<boolean | null>(null);
  const [userId, setUserId] = useState(() => search.get("user") ?? lastUser());
  const [deviceName, setDeviceName] = useState(() => search.get("device") ?? suggestedDeviceName());
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
      await devSignIn(userId.trim(), deviceName.trim());
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
        {available === false ? (
          <>
            <h1>Open Nerve from your app</h1>
            <p className="hero-sub">This deployment has no dev sign-in. Your host app opens this page with a token, as <code>#token=…</code> in the address or with <code>postMessage(&#123;type: "nerve:token", token&#125;)</code>.</p>
          </>
        ) : (
          <>
            <h1>Sign in to your devices</h1>
            <p className="hero-sub">Local development sign-in. Open this page in a second window with the same user and another device name: the two windows are two devices of one user, in step.</p>
            <form className="stack" onSubmit={submit} aria-describedby={error ? "signin-error" : undefined}>
              <div className="field">
                <label htmlFor="user">User name</label>
                <input id="user" name="user" autoComplete="username" required maxLength={128} pattern="[A-Za-z0-9._:@\-]+" value={userId} onChange={(e) => setUserId(e.target.value)} placeholder="alice" />
                <span className="hint">Letters, digits and . _ : @ -</span>
              </div>
              <div className="field">
                <label htmlFor="device">Device name</label>
                <input id="device" name="device" required maxLength={64} value={deviceName} onChange={(e) => setDeviceName(e.target.value)} placeholder="Work laptop" />
                <span className="hint">How this window appears in your device list</span>
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
