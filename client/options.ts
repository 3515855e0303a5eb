import { Id, Platform, Topic, DeviceName } from "../protocol/index.js";
import type { BackoffOptions } from "./backoff.js";
import { defaultStorage, type NerveStorage } from "./storage.js";

/** The WebSocket constructor the client uses: the global one, or one you inject (tests, proxies, polyfills). */
export interface WebSocketLike {
  readonly readyState: number;
  readonly protocol: string;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: "open", listener: () => void): void;
  addEventListener(type: "message", listener: (event: { data: unknown }) => void): void;
  addEventListener(type: "close", listener: (event: { code: number; reason: string }) => void): void;
  addEventListener(type: "error", listener: (event: unknown) => void): void;
}
export type WebSocketFactory = new (url: string, protocols?: string | string[]) => WebSocketLike;

export interface NerveClientOptions {
  /** The `/ws` endpoint, e.g. `wss://nerve.example.com/ws`. `http(s)://` is turned into `ws(s)://`. */
  url: string;
  /** Returns a user token (JWT). Called before every connect and reconnect, and again after a 4002. */
  getToken: () => string | Promise<string>;
  /** A stable id for this device. Default: the one persisted in `storage`, else a new random one (then persisted). A token's `did` wins on the server. */
  deviceId?: string;
  /** `web ios ipad android macos windows linux cli service`. Default: `web` in a page, `cli` in Node, none (server default `web`) elsewhere. */
  platform?: Platform;
  /** A display name for this device (at most 64 characters). */
  name?: string;
  /** Topics this connection wants (`state shoots credits prompts dream presence`); default all. */
  topics?: Topic[];
  /** Where the deviceId, seq cursor and outbox persist. Default: `localStorage` in browsers, memory elsewhere. Pass `AsyncStorage` in React Native. */
  storage?: NerveStorage;
  /** Prefix of every storage key. */
  storagePrefix?: string;
  /** A WebSocket constructor. Default: `globalThis.WebSocket` (browsers, React Native, Node 22). */
  WebSocket?: WebSocketFactory;
  /** `subprotocol` (default): `["nerve.v1", "bearer.<jwt>"]`, which keeps the token out of URLs, logs and console messages. `query`: `?token=`. */
  tokenTransport?: "query" | "subprotocol";
  /** Reconnect delays. */
  backoff?: Partial<BackoffOptions>;
  /** Reconnect attempts after a drop before the status becomes `offline`. */
  maxRetries?: number;
  /** An attempt that is not open within this is abandoned and counts as failed. */
  connectTimeoutMs?: number;
  /** Ping interval. Default: the server's `WELCOME.heartbeatMs`. */
  heartbeatMs?: number;
  /** A ping without a pong for this long means the connection is dead: reconnect. */
  pongTimeoutMs?: number;
  /** How often at most the client sends its delivered cursor (`ACK`, cumulative). */
  ackIntervalMs?: number;
  /** The outbox's bound; a send beyond it is refused with `QUEUE_FULL`. */
  maxOutbox?: number;
  /** Client-side pacing of JSON frames, to stay under the server's per-user limit. */
  messagesPerMinute?: number;
  /** Connect as soon as the client is created. */
  autoConnect?: boolean;
  /** Reconnect when the browser reports `online` or the page becomes visible. */
  retryOnOnline?: boolean;
  /** Persist the state mirror (at most once a second) so a restarted app shows the last known state at once, even offline. */
  persistState?: boolean;
  /** Where the client reports problems it recovers from (a bad frame, a listener that threw). */
  logger?: { warn(...args: unknown[]): void };
}

/**
 * The defaults, documented in docs/client.md. Backoff: 1, 2, 4, 8, 16, 30 s (and 30 s after),
 * each ±20% jitter; 10 retries, then `offline`.
 */
export const DEFAULTS = {
  storagePrefix: "nerve",
  tokenTransport: "subprotocol" as "query" | "subprotocol",
  backoff: { minDelayMs: 1000, maxDelayMs: 30_000, factor: 2, jitter: 0.2 } satisfies BackoffOptions,
  maxRetries: 10,
  connectTimeoutMs: 10_000,
  /** Used until the server's WELCOME says otherwise. */
  heartbeatMs: 30_000,
  pongTimeoutMs: 10_000,
  /** ACK only feeds the device list's `ackedSeq` (resume uses `since`), and the server's 100/min budget is per user, shared by all devices. */
  ackIntervalMs: 10_000,
  maxOutbox: 200,
  messagesPerMinute: 100,
  autoConnect: true,
  retryOnOnline: true,
  persistState: true,
} as const;

export interface ResolvedOptions {
  url: string;
  getToken: () => string | Promise<string>;
  deviceId: string | undefined;
  platform: Platform | undefined;
  name: string | undefined;
  topics: Topic[] | undefined;
  storage: NerveStorage;
  storagePrefix: string;
  WebSocket: WebSocketFactory;
  tokenTransport: "query" | "subprotocol";
  backoff: BackoffOptions;
  maxRetries: number;
  connectTimeoutMs: number;
  heartbeatMs: number | undefined;
  pongTimeoutMs: number;
  ackIntervalMs: number;
  maxOutbox: number;
  messagesPerMinute: number;
  autoConnect: boolean;
  retryOnOnline: boolean;
  persistState: boolean;
  logger: { warn(...args: unknown[]): void };
}

function detectPlatform(): Platform | undefined {
  const g = globalThis as { document?: unknown; navigator?: { product?: string }; process?: { versions?: { node?: string } } };
  if (g.navigator?.product === "ReactNative") return undefined;
  if (g.document !== undefined) return "web";
  if (g.process?.versions?.node) return "cli";
  return undefined;
}

function positive(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) throw new TypeError(`createNerveClient: ${name} must be a positive number, got ${value}`);
  return value;
}

/** Merges options with DEFAULTS and fails at construction on anything the server would refuse later. */
export function resolveOptions(o: NerveClientOptions): ResolvedOptions {
  if (!o || typeof o.url !== "string" || !/^(wss?|https?):\/\//.test(o.url)) throw new TypeError("createNerveClient: url must be a ws://, wss://, http:// or https:// URL");
  if (typeof o.getToken !== "function") throw new TypeError("createNerveClient: getToken must be a function returning a token");
  if (o.deviceId !== undefined && !Id.safeParse(o.deviceId).success) throw new TypeError("createNerveClient: deviceId must be 1-128 characters of [A-Za-z0-9._:@-]");
  if (o.platform !== undefined && !Platform.safeParse(o.platform).success) throw new TypeError(`createNerveClient: unknown platform "${o.platform}"`);
  if (o.name !== undefined && !DeviceName.safeParse(o.name).success) throw new TypeError("createNerveClient: name must be 1-64 characters, without control, format or bidi characters");
  if (o.topics !== undefined && (o.topics.length === 0 || !o.topics.every((t) => Topic.safeParse(t).success))) throw new TypeError("createNerveClient: topics must name at least one known topic");
  const WS = o.WebSocket ?? (globalThis as { WebSocket?: WebSocketFactory }).WebSocket;
  if (!WS) throw new TypeError("createNerveClient: no global WebSocket in this runtime; pass options.WebSocket");
  const backoff = { ...DEFAULTS.backoff, ...o.backoff };
  positive("backoff.minDelayMs", backoff.minDelayMs);
  positive("backoff.maxDelayMs", backoff.maxDelayMs);
  positive("backoff.factor", backoff.factor);
  if (!(backoff.jitter >= 0 && backoff.jitter < 1)) throw new TypeError("createNerveClient: backoff.jitter must be in [0, 1)");
  const maxRetries = o.maxRetries ?? DEFAULTS.maxRetries;
  if (!(maxRetries >= 0)) throw new TypeError("createNerveClient: maxRetries must be >= 0");
  return {
    url: o.url.replace(/^http/, "ws"),
    getToken: o.getToken,
    deviceId: o.deviceId,
    platform: o.platform ?? detectPlatform(),
    name: o.name,
    topics: o.topics,
    storage: o.storage ?? defaultStorage(),
    storagePrefix: o.storagePrefix ?? DEFAULTS.storagePrefix,
    WebSocket: WS,
    tokenTransport: o.tokenTransport ?? DEFAULTS.tokenTransport,
    backoff,
    maxRetries,
    connectTimeoutMs: positive("connectTimeoutMs", o.connectTimeoutMs ?? DEFAULTS.connectTimeoutMs),
    heartbeatMs: o.heartbeatMs === undefined ? undefined : positive("heartbeatMs", o.heartbeatMs),
    pongTimeoutMs: positive("pongTimeoutMs", o.pongTimeoutMs ?? DEFAULTS.pongTimeoutMs),
    ackIntervalMs: positive("ackIntervalMs", o.ackIntervalMs ?? DEFAULTS.ackIntervalMs),
    maxOutbox: positive("maxOutbox", o.maxOutbox ?? DEFAULTS.maxOutbox),
    messagesPerMinute: positive("messagesPerMinute", o.messagesPerMinute ?? DEFAULTS.messagesPerMinute),
    autoConnect: o.autoConnect ?? DEFAULTS.autoConnect,
    retryOnOnline: o.retryOnOnline ?? DEFAULTS.retryOnOnline,
    persistState: o.persistState ?? DEFAULTS.persistState,
    logger: o.logger ?? console,
  };
}
