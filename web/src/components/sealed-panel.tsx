import { useEffect, useState } from "react";
import { useNerveSelector } from "../../../client/react.js";
import type { SealedSnapshot } from "../../../client/sealed/index.js";
import { useSealed, useSealedSnapshot } from "../lib/sealed.js";
import { LockIcon } from "./icons.js";

const STATUS: Record<SealedSnapshot["status"], { label: string; tone: "ok" | "warn" | "bad" | "neutral" | "info" }> = {
  waiting: { label: "Checking", tone: "neutral" },
  none: { label: "Not set up", tone: "neutral" },
  unapproved: { label: "Not approved", tone: "warn" },
  locked: { label: "Waiting for the key", tone: "info" },
  ready: { label: "Verified", tone: "ok" },
  removed: { label: "Removed", tone: "bad" },
  tampered: { label: "Refused", tone: "bad" },
};

/** Runs an SDK call, keeping its coded refusal for display. */
function useAction(): [(f: () => Promise<unknown>) => void, boolean, string | null] {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const run = (f: () => Promise<unknown>) => {
    setBusy(true);
    setError(null);
    f().catch((e: { code?: string; message?: string }) => setError(`${e.code ?? "ERROR"}: ${e.message ?? String(e)}`)).finally(() => setBusy(false));
  };
  return [run, busy, error];
}

/** Six digits, spaced in two groups so that two screens are easy to compare aloud. */
function Code({ code }: { code: string }) {
  return <div className="big-number mono" data-testid="pairing-code" aria-label={`code ${code.split("").join(" ")}`}>{code.slice(0, 3)} {code.slice(3)}</div>;
}

/**
 * End-to-end encryption on this device: set up, be approved by (or approve) another device by
 * comparing a code, remove a device (which rotates the key), and a sealed note to try it.
 */
export function SealedPanel() {
  const sealed = useSealed();
  const snap = useSealedSnapshot();
  const me = useNerveSelector((s) => s.deviceId);
  const [run, busy, error] = useAction();
  const mine = snap.pairings.find((p) => p.role === "new");
  const s = STATUS[snap.status];
  return (
    <section className="card" aria-labelledby="sealed-title" data-testid="sealed-panel" data-status={snap.status}>
      <div className="card-head">
        <h2 id="sealed-title">End-to-end encryption</h2>
        <span className={`badge ${s.tone}`} data-testid="sealed-status">{snap.status === "ready" && <LockIcon width={12} />} {s.label}</span>
      </div>
      <div className="stack">
        {snap.status === "waiting" && <p className="muted small">Checking this device's keys…</p>}
        {snap.status === "none" && (
          <>
            <p className="small">Sealed state can be read only by devices you approve; the server stores it without being able to read it. Start with this device.</p>
            <div className="row"><button type="button" className="primary" disabled={busy || !sealed} onClick={() => run(() => sealed!.setup())}>Set up on this device</button></div>
          </>
        )}
        {snap.status === "unapproved" && !mine?.code && (
          <>
            <p className="small">Another of your devices must approve this one. You will compare a six-digit code on both screens.</p>
            <div className="row">
              <button type="button" className="primary" disabled={busy || !!mine} onClick={() => run(() => sealed!.requestApproval())}>Ask another device to approve</button>
            </div>
            {mine && !mine.outcome && <p className="muted small" data-testid="pairing-waiting">Waiting: open this user's Devices page on an approved device.</p>}
          </>
        )}
        {snap.status === "unapproved" && mine?.code && (
          <>
            <p className="small">Does <strong>{mine.approverName ?? mine.approver}</strong> show the same code?</p>
            <Code code={mine.code} />
            {mine.outcome === "declined" ? <p className="error-text small">Declined. Ask again to start over.</p> : (
              <div className="row">
                <button type="button" className="primary" disabled={busy} onClick={() => run(() => sealed!.confirmPairing(true))}>Codes match</button>
                <button type="button" className="danger" disabled={busy} onClick={() => run(() => sealed!.confirmPairing(false))}>They differ</button>
              </div>
            )}
          </>
        )}
        {snap.status === "locked" && <p className="small muted">Approved. Waiting for this device's key…</p>}
        {snap.status === "removed" && <p className="small">This device was removed. It cannot read anything sealed from now on.</p>}
        {snap.status === "tampered" && snap.error && (
          <p className="error-text small" data-testid="sealed-error"><strong className="mono">{snap.error.code}</strong>: {snap.error.message}. Sealed state is not shown on this device.</p>
        )}
        {(snap.status === "removed" || snap.status === "tampered") && (
          <div className="row">
            <button type="button" disabled={busy} onClick={() => run(() => sealed!.forget())}>Forget this device's keys and start over</button>
          </div>
        )}
        {snap.status === "ready" && <Ready snap={snap} me={me} run={run} busy={busy} />}
        {error && <p className="error-text small" role="alert">{error}</p>}
      </div>
    </section>
  );
}

function Ready({ snap, me, run, busy }: { snap: SealedSnapshot; me: string | null; run: (f: () => Promise<unknown>) => void; busy: boolean }) {
  const sealed = useSealed()!;
  return (
    <>
      <p className="small muted" style={{ margin: 0 }}>
        Verified on this device · key {snap.epoch} · device keys {snap.keyKind === "webcrypto" ? "non-extractable (WebCrypto)" : "in app storage"}
      </p>
      {snap.requests.map((r) => {
        const view = snap.pairings.find((p) => p.role === "approver" && p.deviceId === r.deviceId && !p.outcome);
        return (
          <div key={r.deviceId} className="stack" data-testid="pairing-request" data-device={r.deviceId} style={{ gap: "0.5rem" }}>
            <div className="small"><strong>{r.name ?? r.deviceId}</strong> asks to join.</div>
            {view?.code ? (
              <>
                <p className="small" style={{ margin: 0 }}>Does that device show this code?</p>
                <Code code={view.code} />
                <div className="row">
                  <button type="button" className="primary" disabled={busy} onClick={() => run(() => sealed.approve(r.deviceId))}>Codes match: approve</button>
                  <button type="button" className="danger" disabled={busy} onClick={() => run(() => sealed.declinePairing(r.deviceId))}>Decline</button>
                </div>
              </>
            ) : view ? <p className="small muted">Waiting for the code…</p> : (
              <div className="row"><button type="button" disabled={busy} onClick={() => run(() => sealed.beginApproval(r.deviceId))}>Compare codes</button></div>
            )}
          </div>
        );
      })}
      <ul className="list" aria-label="Approved devices">
        {snap.members.map((d) => (
          <li key={d.deviceId} className="list-item" data-testid="sealed-member" data-device={d.deviceId}>
            <div className="grow"><div className="title">{d.name ?? d.deviceId}{d.deviceId === me && <span className="muted small"> (this window)</span>}</div></div>
            {d.deviceId !== me && (
              <button type="button" className="danger small" disabled={busy} onClick={() => run(() => sealed.removeDevice(d.deviceId))}>Remove</button>
            )}
          </li>
        ))}
      </ul>
      <SealedNote />
    </>
  );
}

/** A sealed value to try it with: `sealed.note`, readable only on approved devices. */
function SealedNote() {
  const sealed = useSealed()!;
  const [note, setNote] = useState<string>("");
  const [draft, setDraft] = useState("");
  const [run, busy, error] = useAction();
  useEffect(() => {
    void sealed.get("note").then((v) => setNote(typeof (v?.value as { text?: unknown })?.text === "string" ? (v!.value as { text: string }).text : ""), () => setNote(""));
    return sealed.onSealed((c) => {
      if (c.name !== "note") return;
      setNote(c.error ? `(${c.error.code})` : String((c.value.value as { text?: unknown }).text ?? ""));
    });
  }, [sealed]);
  return (
    <form className="stack" style={{ gap: "0.5rem" }} onSubmit={(e) => { e.preventDefault(); run(() => sealed.set("note", { text: draft })); }}>
      <label className="small" htmlFor="sealed-note">Sealed note</label>
      <div className="small" data-testid="sealed-note">{note || <span className="faint">No note yet.</span>}</div>
      <div className="row">
        <input id="sealed-note" value={draft} maxLength={500} onChange={(e) => setDraft(e.target.value)} placeholder="Only your approved devices can read this" style={{ flex: 1 }} />
        <button type="submit" disabled={busy || !draft}>Save sealed</button>
      </div>
      {error && <p className="error-text small" role="alert">{error}</p>}
    </form>
  );
}
