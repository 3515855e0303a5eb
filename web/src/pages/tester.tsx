import { useMemo, useState, type FormEvent } from "react";
import { useNerveSelector } from "../../../client/react.js";
import {
  CLIENT_MESSAGE_DATA, CLIENT_MESSAGE_TYPES, ClientEnvelope, PLATFORMS, TOPICS, toWireIssues,
  type ClientMessageType, type Platform, type Topic,
} from "../../../protocol/index.js";
import { PauseIcon, PlayIcon, PlugIcon, SendIcon, TrashIcon } from "../components/icons.js";
import { MetricsPanel } from "../components/metrics-panel.js";
import { ServiceForm } from "../components/tester-service.js";
import { clientFrame, type TemplateContext } from "../components/tester-templates.js";
import { useDreamsState } from "../lib/dreams.js";
import { useSession } from "../lib/nerve.js";
import { useTesterSocket, type LogEntry, type TesterOptions } from "../lib/tester-socket.js";

const STATUS_TONE = { open: "ok", connecting: "warn", reconnecting: "warn", offline: "bad", closed: "neutral" } as const;
const STATUS_WORD = { open: "Connected", connecting: "Connecting", reconnecting: "Reconnecting", offline: "Offline", closed: "Not connected" } as const;

/** Local check of a frame against the protocol (the server is the judge; the tester sends anyway). */
function checkFrame(text: string): string[] {
  if (text.trim() === "ping") return [];
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return ["not valid JSON"];
  }
  const env = ClientEnvelope.safeParse(json);
  if (!env.success) return toWireIssues(env.error.issues).map((i) => `${i.path || "frame"}: ${i.message}`);
  const schema = CLIENT_MESSAGE_DATA[env.data.type as ClientMessageType];
  if (!schema) return [`unknown type ${env.data.type}`];
  const data = schema.safeParse(env.data.data ?? {});
  return data.success ? [] : toWireIssues(data.error.issues, ["data"]).map((i) => `${i.path}: ${i.message}`);
}

function ConnectForm({ onConnect, onDisconnect, status, defaultToken, userId }: {
  onConnect: (o: TesterOptions) => void; onDisconnect: () => void; status: keyof typeof STATUS_WORD; defaultToken: string; userId: string;
}) {
  const [o, setO] = useState<TesterOptions>({
    token: defaultToken, since: "", device: "tester", platform: "ios", name: "Tester iPhone", topics: [], reconnect: true,
  });
  const set = <K extends keyof TesterOptions>(k: K, v: TesterOptions[K]) => setO((p) => ({ ...p, [k]: v }));
  const toggleTopic = (t: Topic) => set("topics", o.topics.includes(t) ? o.topics.filter((x) => x !== t) : [...o.topics, t]);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    onConnect(o);
  };
  const live = status === "open" || status === "connecting" || status === "reconnecting";
  return (
    <form className="stack" onSubmit={submit} aria-label="Connection" data-testid="tester-connect">
      <div className="field">
        <label htmlFor="t-token">User token</label>
        <input id="t-token" type="password" value={o.token} onChange={(e) => set("token", e.target.value)} autoComplete="off" required />
        <span className="hint">Yours ({userId}) by default; paste any token to test it</span>
      </div>
      <div className="grid grid-2" style={{ gap: "0.6rem" }}>
        <div className="field">
          <label htmlFor="t-since">since (seq)</label>
          <input id="t-since" inputMode="numeric" value={o.since} onChange={(e) => set("since", e.target.value)} placeholder="none: full state" />
        </div>
        <div className="field">
          <label htmlFor="t-device">device</label>
          <input id="t-device" value={o.device} onChange={(e) => set("device", e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="t-platform">platform</label>
          <select id="t-platform" value={o.platform} onChange={(e) => set("platform", e.target.value as Platform)}>
            {PLATFORMS.map((p) => <option key={p} value={p}>{p}</option>)}
          </select>
        </div>
      </div>
      <div className="field">
        <label htmlFor="t-name">name</label>
        <input id="t-name" value={o.name} maxLength={64} onChange={(e) => set("name", e.target.value)} />
      </div>
      <fieldset>
        <legend>topics (none = all)</legend>
        <div className="chips">
          {TOPICS.map((t) => <button key={t} type="button" aria-pressed={o.topics.includes(t)} onClick={() => toggleTopic(t)}>{t}</button>)}
        </div>
      </fieldset>
      <label className="check"><input type="checkbox" checked={o.reconnect} onChange={(e) => set("reconnect", e.target.checked)} /> Reconnect with backoff</label>
      <div className="row">
        <button type="submit" className="primary" data-testid="tester-connect-button"><PlugIcon width={15} /> {live ? "Reconnect" : "Connect"}</button>
        {live && <button type="button" onClick={onDisconnect}>Disconnect</button>}
      </div>
    </form>
  );
}

function Composer({ send, ctx, connected }: { send: (t: string) => boolean; ctx: TemplateContext; connected: boolean }) {
  const [text, setText] = useState(() => clientFrame("PING", ctx, false));
  const [type, setType] = useState<ClientMessageType | "ping">("PING");
  const [withId, setWithId] = useState(true);
  const issues = useMemo(() => checkFrame(text), [text]);
  const pick = (t: ClientMessageType | "ping") => {
    setType(t);
    setText(t === "ping" ? "ping" : clientFrame(t, ctx, withId && t !== "PING"));
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const t = text.trim();
    if (send(t === "ping" ? "ping" : JSON.stringify(JSON.parse(t)))) pick(type);
  };
  const parseable = text.trim() === "ping" || (() => { try { JSON.parse(text); return true; } catch { return false; } })();
  return (
    <form className="stack" onSubmit={submit} aria-label="Send a frame" data-testid="tester-composer">
      <fieldset>
        <legend>Templates</legend>
        <div className="chips" role="group" aria-label="Client message types">
          {CLIENT_MESSAGE_TYPES.map((t) => <button key={t} type="button" aria-pressed={type === t} onClick={() => pick(t)} data-testid={`template-${t}`}>{t}</button>)}
          <button type="button" aria-pressed={type === "ping"} onClick={() => pick("ping")}>ping (text)</button>
        </div>
      </fieldset>
      <label className="check"><input type="checkbox" checked={withId} onChange={(e) => setWithId(e.target.checked)} /> Add a message id (ACCEPTED answers it; a repeat is not applied twice)</label>
      <div className="field">
        <label htmlFor="t-frame">Frame</label>
        <textarea id="t-frame" value={text} onChange={(e) => setText(e.target.value)} spellCheck={false} rows={8} aria-describedby="t-frame-check" />
        <span id="t-frame-check" className={issues.length ? "error-text" : "hint"}>
          {issues.length ? `Server will refuse: ${issues.slice(0, 3).join("; ")}` : "Valid per the protocol"}
        </span>
      </div>
      <button type="submit" className="primary" disabled={!connected || !parseable} data-testid="tester-send"><SendIcon width={15} /> Send frame</button>
    </form>
  );
}

function Log({ log, onClear }: { log: LogEntry[]; onClear: () => void }) {
  const [filter, setFilter] = useState("");
  const [dir, setDir] = useState<"all" | LogEntry["dir"]>("all");
  const [errorsOnly, setErrorsOnly] = useState(false);
  const [paused, setPaused] = useState<LogEntry[] | null>(null);
  const [open, setOpen] = useState<number | null>(null);
  const source = paused ?? log;
  const f = filter.trim().toLowerCase();
  const rows = source.filter((e) => (dir === "all" || e.dir === dir) && (!errorsOnly || e.error) && (!f || e.type.toLowerCase().includes(f) || e.text.toLowerCase().includes(f)));
  return (
    <section className="card" aria-labelledby="log-title">
      <div className="card-head">
        <h2 id="log-title">Frames</h2>
        <span className="small muted" data-testid="log-count">{rows.length} of {source.length}</span>
      </div>
      <div className="row" style={{ marginBottom: "0.6rem" }}>
        <div className="field" style={{ flex: 1, minWidth: 160 }}>
          <label htmlFor="log-filter" className="sr-only">Filter frames</label>
          <input id="log-filter" value={filter} onChange={(e) => setFilter(e.target.value)} placeholder="Filter by type or content" data-testid="log-filter" />
        </div>
        <label htmlFor="log-dir" className="sr-only">Direction</label>
        <select id="log-dir" value={dir} onChange={(e) => setDir(e.target.value as typeof dir)} style={{ width: "auto" }}>
          <option value="all">All</option><option value="in">Received</option><option value="out">Sent</option><option value="sys">Connection</option>
        </select>
        <label className="check small"><input type="checkbox" checked={errorsOnly} onChange={(e) => setErrorsOnly(e.target.checked)} /> Errors</label>
        <button type="button" className="small" onClick={() => setPaused(paused ? null : log)} aria-pressed={paused !== null}>
          {paused ? <><PlayIcon width={13} /> Resume</> : <><PauseIcon width={13} /> Pause</>}
        </button>
        <button type="button" className="small" onClick={onClear}><TrashIcon width={13} /> Clear</button>
      </div>
      <div className="log" role="log" aria-live="off" aria-label="Frame log" data-testid="tester-log">
        {rows.length === 0 && <p className="muted small" style={{ padding: "0.75rem" }}>No frames yet. Connect, then send one.</p>}
        {rows.map((e) => (
          <div key={e.n} className={`log-row${open === e.n ? " open" : ""}${e.error ? " err" : ""}`} data-testid="log-row" data-dir={e.dir} data-type={e.type}
            role="button" tabIndex={0} aria-expanded={open === e.n} onClick={() => setOpen(open === e.n ? null : e.n)}
            onKeyDown={(k) => { if (k.key === "Enter" || k.key === " ") { k.preventDefault(); setOpen(open === e.n ? null : e.n); } }}>
            <span className="t">{new Date(e.at).toISOString().slice(11, 23)}</span>
            <span className={`dir-${e.dir}`} aria-label={e.dir === "in" ? "received" : e.dir === "out" ? "sent" : "connection"}>{e.dir === "in" ? "↓" : e.dir === "out" ? "↑" : "•"}</span>
            <span className="type">{e.type}</span>
            <span className="seq">{e.seq !== undefined ? `#${e.seq}` : ""}</span>
            <span className="body">{open === e.n ? prettify(e.text) : e.text}</span>
          </div>
        ))}
      </div>
    </section>
  );
}

function prettify(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

/** The Kull seed's websocket-test.html, done well: a raw connection, templates, a live log, service POSTs. */
export function TesterPage() {
  const session = useSession();
  const tester = useTesterSocket();
  const lastSeq = useNerveSelector((s) => s.seq);
  const dreams = useDreamsState();
  const [tab, setTab] = useState<"frame" | "service">("frame");
  const ctx: TemplateContext = { lastSeq, userId: session?.userId ?? "alice", cycleId: dreams.current?.cycleId ?? dreams.queue[0]?.cycleId };
  return (
    <>
      <div className="page-head">
        <div>
          <h1>Tester</h1>
          <p>Open a raw connection with any token and options, send any frame, and publish service events.</p>
        </div>
        <span className={`badge ${STATUS_TONE[tester.status]}`} data-testid="tester-status" data-status={tester.status}>{STATUS_WORD[tester.status]}</span>
      </div>
      <div className="tester">
        <div className="stack" style={{ gap: "1rem" }}>
          <section className="card" aria-labelledby="conn-title">
            <h2 id="conn-title">Connection</h2>
            <ConnectForm onConnect={tester.connect} onDisconnect={tester.disconnect} status={tester.status} defaultToken={session?.testerToken ?? session?.token ?? ""} userId={session?.userId ?? ""} />
          </section>
          <section className="card">
            <div className="tabs" role="tablist" aria-label="Send">
              <button type="button" role="tab" aria-selected={tab === "frame"} aria-controls="tab-frame" id="tab-frame-btn" onClick={() => setTab("frame")}>WebSocket frame</button>
              <button type="button" role="tab" aria-selected={tab === "service"} aria-controls="tab-service" id="tab-service-btn" onClick={() => setTab("service")} data-testid="tab-service">Service event</button>
            </div>
            <div role="tabpanel" id="tab-frame" aria-labelledby="tab-frame-btn" hidden={tab !== "frame"}>
              <Composer send={tester.send} ctx={ctx} connected={tester.status === "open"} />
            </div>
            <div role="tabpanel" id="tab-service" aria-labelledby="tab-service-btn" hidden={tab !== "service"}>
              <ServiceForm ctx={ctx} defaultToken={session?.serviceToken ?? ""} />
            </div>
          </section>
          <MetricsPanel />
        </div>
        <Log log={tester.log} onClear={tester.clear} />
      </div>
    </>
  );
}
