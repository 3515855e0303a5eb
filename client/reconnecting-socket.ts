import { CLOSE_MIN_DELAY_MS, closeAction, type CloseAction } from "../protocol/index.js";
import { backoffDelay, type BackoffOptions } from "./backoff.js";
import type { WebSocketFactory, WebSocketLike } from "./options.js";

/** What the socket does after a close: the protocol's action for the code (`stop`, `refresh`, `backoff`, `reconnect`). */
export type ClosePolicy = CloseAction;

/**
 * The protocol's `closeAction` (protocol/codes.ts, protocol.md 11), so the SDK and the contract
 * cannot drift: 4000/4001/4003 and 4100-4199 stop; 4002 and 4200-4299 refresh the token;
 * 1009, 4010-4012 and 4400-4499 reconnect at once; everything else (4008, 4009, 1006, 1011,
 * 4300-4399, unknown codes outside the ranges) backs off, 4008 and 4009 for at least
 * CLOSE_MIN_DELAY_MS.
 */
export function closePolicy(code: number): ClosePolicy {
  return closeAction(code);
}

/**
 * Closes a server gives every connection at once when it goes away or restarts (going away,
 * internal, restart). Not 1006 (no close frame): that is far more often this device's own network,
 * whose first retry should not wait seconds; the backoff's own jitter spreads it.
 */
const UNPLANNED_CLOSES = new Set([1001, 1011, 1012]);

/** The most a `reconnect` close waits: a small jitter, so devices closed together do not return in one instant. */
const RECONNECT_JITTER_MS = 250;

export type SocketStatus = "connecting" | "open" | "reconnecting" | "offline" | "closed";

export interface ReconnectingSocketOptions {
  /** Builds the URL and subprotocols of each attempt (fetching a fresh token). */
  target: () => Promise<{ url: string; protocols?: string[] }>;
  WebSocket: WebSocketFactory;
  backoff: BackoffOptions;
  maxRetries: number;
  connectTimeoutMs: number;
  onOpen: (ws: WebSocketLike) => void;
  onMessage: (data: unknown) => void;
  onClose: (info: { code: number; reason: string; willRetry: boolean }) => void;
  onStatus: (status: SocketStatus) => void;
  /** A failure to build the target (e.g. getToken threw). */
  onTargetError: (err: unknown) => void;
  random?: () => number;
}

/**
 * A WebSocket that reconnects: jittered exponential backoff, a retry budget after which it rests
 * `offline`, the protocol's close-code actions, a connect timeout. Knows nothing about Nerve's frames.
 * Modelled on partysocket's ReconnectingWebSocket; see docs/client.md for why it is not partysocket.
 */
export class ReconnectingSocket {
  private ws: WebSocketLike | null = null;
  private status: SocketStatus = "closed";
  /** Failed attempts since the last successful open. */
  private attempts = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private connectTimer: ReturnType<typeof setTimeout> | null = null;
  /** Bumped on every new attempt and on close(): stale callbacks compare it and do nothing. */
  private generation = 0;
  private refreshedToken = false;
  /** WELCOME's `reconnectSpreadMs`: spreads the first attempt after a deploy's close over this window. */
  private spreadMs = 0;
  /** Reconnect attempts in the recent past, for the quality figure. */
  readonly attemptTimes: number[] = [];

  constructor(private readonly o: ReconnectingSocketOptions) {}

  get current(): WebSocketLike | null {
    return this.ws && this.ws.readyState === 1 ? this.ws : null;
  }

  get state(): SocketStatus {
    return this.status;
  }

  /** Starts (or restarts at once, resetting the retry budget) unless already open or opening. */
  start(): void {
    if (this.status === "open" || this.status === "connecting") return;
    this.attempts = 0;
    this.clearTimer();
    this.open("connecting");
  }

  /** Drops the current connection (if any) and connects again at once with a fresh budget. */
  restart(): void {
    this.attempts = 0;
    this.dropCurrent(4100, "client reconnect");
    this.clearTimer();
    this.open("connecting");
  }

  /** Treats the current connection as dead (no pong): close it and go through backoff. */
  kill(reason: string): void {
    const ws = this.ws;
    if (!ws) return;
    this.dropCurrent(4100, reason);
    this.afterClose(1006, reason);
  }

  /** Closes for good; no more retries until start(). */
  close(code = 1000, reason = "client closed"): void {
    this.generation++;
    this.clearTimer();
    this.dropCurrent(code, reason);
    this.setStatus("closed");
  }

  private dropCurrent(code: number, reason: string): void {
    const ws = this.ws;
    this.ws = null;
    this.generation++;
    if (this.connectTimer) clearTimeout(this.connectTimer);
    this.connectTimer = null;
    if (ws) {
      try {
        ws.close(code, reason);
      } catch {
        // already closed
      }
    }
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private setStatus(status: SocketStatus): void {
    if (this.status === status) return;
    this.status = status;
    this.o.onStatus(status);
  }

  private open(status: "connecting" | "reconnecting"): void {
    const gen = ++this.generation;
    this.setStatus(status);
    this.o.target().then(({ url, protocols }) => {
      if (gen !== this.generation) return;
      let ws: WebSocketLike;
      try {
        ws = protocols ? new this.o.WebSocket(url, protocols) : new this.o.WebSocket(url);
      } catch (err) {
        this.o.onTargetError(err);
        this.afterClose(1006, err instanceof Error ? err.message : "WebSocket constructor failed");
        return;
      }
      this.ws = ws;
      this.connectTimer = setTimeout(() => {
        if (gen !== this.generation) return;
        this.dropCurrent(4100, "connect timeout");
        this.afterClose(1006, "connect timeout");
      }, this.o.connectTimeoutMs);
      ws.addEventListener("open", () => {
        if (gen !== this.generation) return;
        if (this.connectTimer) clearTimeout(this.connectTimer);
        this.connectTimer = null;
        this.setStatus("open");
        this.o.onOpen(ws);
      });
      ws.addEventListener("message", (e) => {
        if (gen === this.generation) this.o.onMessage(e.data);
      });
      ws.addEventListener("close", (e) => {
        if (gen !== this.generation) return;
        this.ws = null;
        this.afterClose(e.code, e.reason);
      });
      // Browsers follow an error with a 1006 close, but Node's WebSocket (undici) may fire only the
      // error for a failed handshake and stay CONNECTING; an error is handled as that close.
      ws.addEventListener("error", () => {
        if (gen !== this.generation) return;
        this.dropCurrent(4100, "connection error");
        this.afterClose(1006, "connection error");
      });
    }, (err: unknown) => {
      if (gen !== this.generation) return;
      this.o.onTargetError(err);
      this.afterClose(1006, `could not prepare the connection: ${err instanceof Error ? err.message : String(err)}`);
    });
  }

  /**
   * Marks an open that delivered the server's WELCOME: the retry budget and token-refresh latch
   * reset. `reconnectSpreadMs`: the server's advice (WELCOME, protocol 14.1) for the first attempt
   * after an unplanned close.
   */
  markHealthy(reconnectSpreadMs?: number): void {
    this.attempts = 0;
    this.refreshedToken = false;
    if (reconnectSpreadMs !== undefined) this.spreadMs = reconnectSpreadMs;
  }

  private afterClose(code: number, reason: string): void {
    this.generation++;
    if (this.connectTimer) clearTimeout(this.connectTimer);
    this.connectTimer = null;
    const policy = closePolicy(code);
    if (policy === "stop") {
      this.o.onClose({ code, reason, willRetry: false });
      this.setStatus("closed");
      return;
    }
    if (policy === "refresh" && !this.refreshedToken) {
      // target() fetches a new token; one immediate retry, then ordinary backoff.
      this.refreshedToken = true;
      this.o.onClose({ code, reason, willRetry: true });
      this.open("reconnecting");
      return;
    }
    if (this.attempts >= this.o.maxRetries) {
      this.o.onClose({ code, reason, willRetry: false });
      this.setStatus("offline");
      return;
    }
    this.attempts++;
    const now = Date.now();
    this.attemptTimes.push(now);
    while (this.attemptTimes.length > 20) this.attemptTimes.shift();
    this.o.onClose({ code, reason, willRetry: true });
    this.setStatus("reconnecting");
    // A `reconnect` close of a connection that was healthy goes again at once (with a small jitter);
    // one that follows a failed attempt backs off, so a server closing every try is not hammered.
    const random = this.o.random ?? Math.random;
    const least = CLOSE_MIN_DELAY_MS[code] ?? 0;
    const delay = policy === "reconnect" && this.attempts === 1
      ? Math.round(random() * Math.min(RECONNECT_JITTER_MS, this.o.backoff.minDelayMs))
      // A healthy connection closed by a deploy or a server restart: every device of every user lost
      // it at the same moment, so the first attempt is spread over the server's window (14.1).
      : this.attempts === 1 && UNPLANNED_CLOSES.has(code) && this.spreadMs > 0
        ? Math.round(random() * this.spreadMs)
        // 4008 and 4009 wait the contract's least delay, jittered up to twice it, whatever the backoff says.
        : Math.max(backoffDelay(this.attempts, this.o.backoff, this.o.random), Math.round(least * (1 + random())));
    this.clearTimer();
    this.timer = setTimeout(() => {
      this.timer = null;
      this.open("reconnecting");
    }, delay);
  }
}
