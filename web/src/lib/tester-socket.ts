import { useCallback, useEffect, useRef, useState } from "react";
import { DEFAULTS, ReconnectingSocket, type SocketStatus } from "../../../client/index.js";
import { BEARER_PREFIX, ServerFrame, SUBPROTOCOL, type Platform, type Topic } from "../../../protocol/index.js";
import { socketUrl } from "./nerve.js";

export interface TesterOptions {
  token: string;
  since: string;
  device: string;
  platform: Platform;
  name: string;
  topics: Topic[];
  reconnect: boolean;
}

export interface LogEntry {
  n: number;
  at: number;
  dir: "in" | "out" | "sys";
  type: string;
  seq?: number;
  text: string;
  error?: boolean;
}

const MAX_LOG = 1000;

/**
 * The URL and subprotocols of a raw connection with the tester's options. The token always goes in
 * the subprotocol list: a browser prints the URL of a failed socket to the console, so a token in
 * the query would end up there (and in screenshots of it).
 */
export function testerTarget(o: TesterOptions): { url: string; protocols: string[] } {
  const q = new URLSearchParams();
  if (o.since.trim()) q.set("since", o.since.trim());
  if (o.device.trim()) q.set("device", o.device.trim());
  q.set("platform", o.platform);
  if (o.name.trim()) q.set("name", o.name.trim());
  if (o.topics.length) q.set("topics", o.topics.join(","));
  const qs = q.toString();
  return { url: `${socketUrl()}${qs ? `?${qs}` : ""}`, protocols: [SUBPROTOCOL, `${BEARER_PREFIX}${o.token.trim()}`] };
}

function describe(text: string): Pick<LogEntry, "type" | "seq" | "error"> {
  if (text === "pong" || text === "ping") return { type: text };
  try {
    const json: unknown = JSON.parse(text);
    const frame = ServerFrame.safeParse(json);
    if (frame.success) {
      const f = frame.data as { type: string; seq?: number; code?: string };
      return { type: f.type, seq: typeof f.seq === "number" ? f.seq : undefined, error: f.type === "ERROR" };
    }
    const t = (json as { type?: unknown })?.type;
    return { type: typeof t === "string" ? `${t} (unrecognised)` : "(unrecognised)", error: true };
  } catch {
    return { type: "(not JSON)", error: true };
  }
}

/**
 * A raw connection for the tester, on the SDK's reconnecting socket (backoff, close policy) but
 * without its protocol layer: every frame is logged as it is, and anything can be sent.
 */
export function useTesterSocket() {
  const [status, setStatus] = useState<SocketStatus>("closed");
  const [log, setLog] = useState<LogEntry[]>([]);
  const socket = useRef<ReconnectingSocket | null>(null);
  const counter = useRef(0);

  const push = useCallback((entry: Omit<LogEntry, "n" | "at">) => {
    counter.current += 1;
    const e: LogEntry = { ...entry, n: counter.current, at: Date.now() };
    setLog((l) => (l.length >= MAX_LOG ? [...l.slice(-MAX_LOG + 1), e] : [...l, e]));
  }, []);

  const disconnect = useCallback(() => {
    socket.current?.close(1000, "tester disconnect");
    socket.current = null;
  }, []);

  const connect = useCallback((o: TesterOptions) => {
    socket.current?.close(1000, "tester reconnect");
    const s = new ReconnectingSocket({
      target: async () => testerTarget(o),
      WebSocket,
      backoff: DEFAULTS.backoff,
      maxRetries: o.reconnect ? DEFAULTS.maxRetries : 0,
      connectTimeoutMs: DEFAULTS.connectTimeoutMs,
      onOpen: (ws) => push({ dir: "sys", type: "open", text: ws.protocol ? `subprotocol ${ws.protocol}` : "connected" }),
      onMessage: (data) => {
        const text = typeof data === "string" ? data : "(binary frame)";
        const d = describe(text);
        if (d.type === "WELCOME") s.markHealthy();
        push({ dir: "in", text, ...d });
      },
      onClose: (c) => push({ dir: "sys", type: `close ${c.code}`, text: `${c.reason || "(no reason)"}${c.willRetry ? " · will retry" : ""}`, error: c.code !== 1000 }),
      onStatus: setStatus,
      onTargetError: (err) => push({ dir: "sys", type: "error", text: err instanceof Error ? err.message : String(err), error: true }),
    });
    socket.current = s;
    s.start();
  }, [push]);

  /** Sends a text frame as is; false when not connected. */
  const send = useCallback((text: string): boolean => {
    const ws = socket.current?.current;
    if (!ws) {
      push({ dir: "sys", type: "not sent", text: "not connected", error: true });
      return false;
    }
    ws.send(text);
    push({ dir: "out", text, ...describeOut(text) });
    return true;
  }, [push]);

  useEffect(() => () => socket.current?.close(1000, "tester left"), []);

  return { status, log, connect, disconnect, send, clear: () => setLog([]) };
}

function describeOut(text: string): Pick<LogEntry, "type"> {
  if (text === "ping") return { type: "ping" };
  try {
    const t = (JSON.parse(text) as { type?: unknown })?.type;
    return { type: typeof t === "string" ? t : "(no type)" };
  } catch {
    return { type: "(not JSON)" };
  }
}
