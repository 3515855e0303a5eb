import { useEffect, useMemo, useState, useSyncExternalStore, type ReactNode } from "react";
import { createNerveClient, type NerveClient } from "../../../client/index.js";
import { NerveProvider, useNerveClient, useNerveSelector } from "../../../client/react.js";
import type { LinkInfo } from "../components/connection-indicator.js";
import { getSession, setSession, subscribeSession, type Session } from "./session.js";

/** The signed-in session of this window, re-rendering when it changes. */
export function useSession(): Session | null {
  return useSyncExternalStore(subscribeSession, getSession, getSession);
}

/** The socket URL of the Worker that served this page: `wss:` on https, `ws:` on http. */
export function socketUrl(): string {
  return `${window.location.protocol === "https:" ? "wss:" : "ws:"}//${window.location.host}/ws`;
}

/** Counts reconnect attempts: every drop after which the client tries again. */
class AttemptCounter {
  count = 0;
  private listeners = new Set<() => void>();
  constructor(client: NerveClient) {
    client.on("close", (c) => {
      if (!c.willRetry) return;
      this.count += 1;
      this.listeners.forEach((l) => l());
    });
  }
  subscribe = (l: () => void) => {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  };
  get = () => this.count;
}

const attempts = new WeakMap<NerveClient, AttemptCounter>();

function makeClient(session: Session): NerveClient {
  const client = createNerveClient({
    url: socketUrl(),
    // Never `?token=`: a browser prints the URL of a socket that fails to connect to the console.
    tokenTransport: "subprotocol",
    getToken: () => {
      const s = getSession();
      if (!s) throw new Error("signed out");
      return s.token;
    },
    deviceId: session.deviceId,
    name: session.deviceName,
    platform: "web",
    // Two windows of one browser are two devices: each keeps its own cursor and outbox.
    storagePrefix: `nerve:${session.userId}:${session.deviceId ?? "web"}`,
  });
  attempts.set(client, new AttemptCounter(client));
  return client;
}

/** One client per signed-in session; closed when the session ends or changes. */
export function NerveSessionProvider({ session, children }: { session: Session; children: ReactNode }) {
  const [client, setClient] = useState<NerveClient | null>(null);
  useEffect(() => {
    const c = makeClient(session);
    setClient(c);
    const off = c.on("close", (info) => {
      // No token, or a token that can no longer work (refused for good, or past its expiry):
      // retrying cannot help, so the window goes back to sign-in.
      const expired = session.expiresAt !== undefined && session.expiresAt <= Date.now();
      if (info.code === 4001 || (info.code === 4002 && (!info.willRetry || expired))) setSession(null);
    });
    // The browser knows before the heartbeat does: when it reports the network gone, drop the
    // socket at once so the app shows "reconnecting" instead of a silently dead link. The client
    // itself comes back on the browser's "online".
    const onOffline = () => c.reconnect();
    window.addEventListener("offline", onOffline);
    return () => {
      off();
      window.removeEventListener("offline", onOffline);
      void c.close();
    };
  }, [session.token, session.userId, session.deviceId, session.deviceName]);
  if (!client) return null;
  return <NerveProvider client={client}>{children}</NerveProvider>;
}

/** What the connection indicator shows, from the client's snapshot. */
export function useLink(): LinkInfo {
  const client = useNerveClient();
  const counter = attempts.get(client);
  const reconnectAttempts = useSyncExternalStore(counter?.subscribe ?? noop, counter?.get ?? zero, zero);
  const status = useNerveSelector((s) => s.status);
  const synced = useNerveSelector((s) => s.synced);
  const latencyMs = useNerveSelector((s) => s.latencyMs);
  const quality = useNerveSelector((s) => s.quality);
  const seq = useNerveSelector((s) => s.seq);
  const userId = useNerveSelector((s) => s.userId);
  const lastClose = useNerveSelector((s) => s.lastClose);
  const secure = status === "connected" && userId !== null && socketUrl().startsWith("wss:");
  return useMemo(() => ({ status, synced, latencyMs, quality, seq, reconnectAttempts, secure, lastClose }),
    [status, synced, latencyMs, quality, seq, reconnectAttempts, secure, lastClose]);
}

const noop = () => () => {};
const zero = () => 0;
