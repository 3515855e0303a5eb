import { useEffect, useMemo, useState, useSyncExternalStore, type ReactNode } from "react";
import { createNerveClient, webStorage, type NerveClient } from "../../../client/index.js";
import { NerveProvider, useNerveClient, useNerveSelector } from "../../../client/react.js";
import type { LinkInfo } from "../components/connection-indicator.js";
import { ActivityFeed } from "./activity.js";
import { ConflictStore, type PendingConflict } from "./conflicts.js";
import { local } from "./safe-storage.js";
import { SealedProvider, useSealedSnapshot } from "./sealed.js";
import { endSession, getSession, renewHostToken, subscribeSession, type Session } from "./session.js";

/** A host token this close to its end is renewed through the host app before it is used. */
const RENEW_BEFORE_MS = 60_000;
/** Below this, a connect waits (up to 5 s) for the host's new token rather than use one that is all but spent. */
const WAIT_BELOW_MS = 10_000;

/** The signed-in session of this window, re-rendering when it changes. */
export function useSession(): Session | null {
  return useSyncExternalStore(subscribeSession, getSession, getSession);
}

/**
 * Developer tools (the Tester, the indicator showcase, demo shoots) show only for a dev sign-in,
 * which exists only where the deployment has DEV_SIGN_IN=1.
 */
export function useDevMode(): boolean {
  return useSession()?.source === "dev";
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
const feeds = new WeakMap<NerveClient, ActivityFeed>();
const conflictStores = new WeakMap<NerveClient, ConflictStore>();

/** Edits of this device waiting for "keep yours / take theirs", and the way to answer them. */
export function useConflicts(): { conflicts: PendingConflict[]; resolve: (id: string, choice: "mine" | "theirs") => void } {
  const client = useNerveClient();
  const store = conflictStores.get(client);
  const conflicts = useSyncExternalStore(store?.subscribe ?? noop, store?.get ?? noConflicts, noConflicts);
  return useMemo(() => ({ conflicts, resolve: (id: string, choice: "mine" | "theirs") => store?.resolve(id, choice) }), [conflicts, store]);
}

/** The persisted activity feed and the "while you were away" digest of this client. */
export function useActivity(): ReturnType<ActivityFeed["get"]> & { dismissDigest: () => void } {
  const client = useNerveClient();
  const feed = feeds.get(client);
  const snap = useSyncExternalStore(feed?.subscribe ?? noop, feed?.get ?? emptyFeed, emptyFeed);
  return useMemo(() => ({ ...snap, dismissDigest: () => feed?.dismissDigest() }), [snap, feed]);
}

function makeClient(session: Session): NerveClient {
  const client = createNerveClient({
    url: socketUrl(),
    // Never `?token=`: a browser prints the URL of a socket that fails to connect to the console.
    tokenTransport: "subprotocol",
    // Called before every connect and before the token runs out (the SDK's refresh): a host
    // app's token near its end is renewed by asking the host, so a session need not end at all.
    getToken: async () => {
      const s = getSession();
      if (!s) throw new Error("signed out");
      if (s.source !== "host" || s.expiresAt === undefined) return s.token;
      const left = s.expiresAt - Date.now();
      // Ending soon: ask, and use the answer when it comes. All but ended: wait a moment for it.
      if (left < WAIT_BELOW_MS) return (await renewHostToken()) ?? s.token;
      if (left < RENEW_BEFORE_MS) void renewHostToken();
      return s.token;
    },
    deviceId: session.deviceId,
    name: session.deviceName,
    platform: "web",
    // localStorage, or memory where the browser denies it (a host's iframe with storage blocked).
    storage: webStorage(local),
    // Two windows of one browser are two devices: each keeps its own cursor and outbox.
    storagePrefix: `nerve:${session.userId}:${session.deviceId ?? "web"}`,
  });
  attempts.set(client, new AttemptCounter(client));
  heartbeats.set(client, new HeartbeatWatch(client));
  conflictStores.set(client, new ConflictStore(client));
  feeds.set(client, new ActivityFeed(client, `nerve-app.activity:${session.userId}:${session.deviceId ?? "web"}`));
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
      if (info.code === 4001) endSession("refused");
      else if (info.code === 4002 && (!info.willRetry || expired)) endSession("expired");
    });
    // The browser knows before the heartbeat does: when it reports the network gone, drop the
    // socket at once so the app shows "reconnecting" instead of a silently dead link. The client
    // itself comes back on the browser's "online".
    const onOffline = () => c.reconnect();
    window.addEventListener("offline", onOffline);
    return () => {
      off();
      window.removeEventListener("offline", onOffline);
      feeds.get(c)?.dispose();
      conflictStores.get(c)?.dispose();
      void c.close();
    };
    // Not on a new token: the client asks getToken for the current one (a renewal keeps the link).
  }, [session.userId, session.deviceId, session.deviceName]);
  if (!client) return null;
  return <NerveProvider client={client}><SealedProvider deviceName={session.deviceName}>{children}</SealedProvider></NerveProvider>;
}

/** The heartbeat the server asked for (WELCOME), for judging how long a device has been silent. */
export function useHeartbeatMs(): number {
  const client = useNerveClient();
  const hb = heartbeats.get(client);
  return useSyncExternalStore(hb?.subscribe ?? noop, hb?.get ?? defaultHeartbeat, defaultHeartbeat);
}

/** The last WELCOME's heartbeatMs, heard from the client's first connect on (pages mount later). */
class HeartbeatWatch {
  ms = 30_000;
  private listeners = new Set<() => void>();
  constructor(client: NerveClient) {
    client.on("welcome", (w) => {
      this.ms = w.heartbeatMs;
      this.listeners.forEach((l) => l());
    });
  }
  subscribe = (l: () => void) => {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  };
  get = () => this.ms;
}
const heartbeats = new WeakMap<NerveClient, HeartbeatWatch>();
const defaultHeartbeat = () => 30_000;

/** The browser's own view of the network (`navigator.onLine`), live. */
export function useBrowserOnline(): boolean {
  return useSyncExternalStore((l) => {
    window.addEventListener("online", l);
    window.addEventListener("offline", l);
    return () => {
      window.removeEventListener("online", l);
      window.removeEventListener("offline", l);
    };
  }, () => navigator.onLine, () => true);
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
  // The lock stands for end-to-end encryption this device verified, not for the transport.
  const sealed = useSealedSnapshot();
  const secure = status === "connected" && userId !== null && sealed.status === "ready";
  const epoch = sealed.epoch;
  const browserOnline = useBrowserOnline();
  // When the view was last known current: now while synced, else the moment it stopped being.
  const [syncedAt, setSyncedAt] = useState<number | null>(null);
  useEffect(() => {
    if (synced) setSyncedAt(Date.now());
  }, [synced, seq]);
  return useMemo(() => ({ status, synced, latencyMs, quality, seq, reconnectAttempts, secure, epoch, lastClose, browserOnline, syncedAt }),
    [status, synced, latencyMs, quality, seq, reconnectAttempts, secure, epoch, lastClose, browserOnline, syncedAt]);
}

const noop = () => () => {};
const EMPTY_FEED = { items: [], digest: null, loading: false };
const emptyFeed = () => EMPTY_FEED;
const NO_CONFLICTS: PendingConflict[] = [];
const noConflicts = () => NO_CONFLICTS;
const zero = () => 0;
