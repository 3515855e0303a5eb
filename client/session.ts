import { ErrorCode, type ErrorFrame, type NerveEvent, type WelcomeFrame } from "../protocol/index.js";
import { connectUrl } from "./connect-url.js";
import type { Emitter } from "./emitter.js";
import { routeFrame, type FrameHandlers } from "./frame-router.js";
import { watchWakeUps } from "./environment.js";
import { Heartbeat } from "./heartbeat.js";
import { peekToken, randomId } from "./ids.js";
import type { LinkQuality } from "./link-quality.js";
import type { ResolvedOptions } from "./options.js";
import type { PendingSends } from "./pending-sends.js";
import { CONNECTED_PHASES, PhaseMachine, statusOf, type NervePhase, type PhaseChange, type PhaseReason } from "./phase.js";
import { closePolicy, ReconnectingSocket, type SocketStatus } from "./reconnecting-socket.js";
import { Sender } from "./sender.js";
import type { SyncStore, SyncStoreHooks } from "./sync-store.js";
import { TokenRefresher } from "./token-refresher.js";
import { ClientErrorCode, NerveClientError, type NerveEventMap, type NerveSnapshot } from "./types.js";

/** How long a seq hole may stay open (own sends in flight fill it) before a STATE_SYNC. */
const GAP_GRACE_MS = 1000;

export interface SessionParts {
  options: ResolvedOptions;
  store: SyncStore;
  pending: PendingSends;
  emitter: Emitter<NerveEventMap>;
  link: LinkQuality;
  /** Publishes a snapshot change; with `change`, the phase change it comes from (emitted as `phase`). */
  publish: (patch: Partial<NerveSnapshot>, change?: PhaseChange) => void;
}

/**
 * One device's session with its hub: the connection (reconnecting socket, heartbeat, in-band token
 * refresh), the frame router that feeds the store and the pending sends, the sender, and the one
 * phase of the client. Every phase change goes through `PhaseMachine.to`; what a phase change
 * implies (leaving a connection, resolving `whenSynced`) is done in `onPhase`, in one place.
 */
export class Session implements SyncStoreHooks {
  readonly socket: ReconnectingSocket;
  readonly sender: Sender;
  private readonly machine: PhaseMachine;
  private readonly heartbeat: Heartbeat;
  private readonly refresher: TokenRefresher;
  private readonly o: ResolvedOptions;
  private readonly store: SyncStore;
  private readonly pending: PendingSends;
  private readonly emitter: Emitter<NerveEventMap>;
  private readonly publish: SessionParts["publish"];
  /** The token the current connection was opened with: its `exp` schedules the in-band refresh. */
  private connectToken: string | null = null;
  private device: string | null;
  /** Why the socket's next `connecting` happens: `connect()` or a restart. */
  private startReason: PhaseReason = "connect";
  private closing = false;
  private gapTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly cleanups: (() => void)[] = [];
  private readonly syncWaiters = new Set<{ resolve: () => void; reject: (e: Error) => void }>();

  constructor(private readonly parts: SessionParts) {
    this.o = parts.options;
    this.store = parts.store;
    this.pending = parts.pending;
    this.emitter = parts.emitter;
    this.publish = parts.publish;
    this.device = this.o.deviceId ?? null;
    this.machine = new PhaseMachine((change) => this.onPhase(change), (message) => this.o.logger.warn(message));
    this.sender = new Sender({
      outbox: this.pending.outbox,
      messagesPerMinute: this.o.messagesPerMinute,
      ackIntervalMs: this.o.ackIntervalMs,
      write: (text) => this.sendRaw(text),
      live: () => this.serverLive(),
      wantsFullState: () => this.store.sync.needsFullState,
      cursor: () => this.store.cursor,
    });
    this.heartbeat = new Heartbeat({
      send: (text) => this.sendRaw(text),
      onRtt: (ms) => {
        parts.link.record(ms);
        this.publish({});
      },
      onDead: () => this.socket.kill("no pong within the timeout"),
    });
    this.refresher = new TokenRefresher({
      getToken: () => this.o.getToken(),
      expOf: (token) => peekToken(token)?.exp ?? null,
      send: (text) => this.sendRaw(text),
      newId: () => randomId("refresh-"),
      onError: (err) => this.o.logger.warn("nerve: getToken failed while refreshing; the server will close at expiry and the client reconnect", err),
    });
    this.socket = new ReconnectingSocket({
      target: () => this.target(),
      WebSocket: this.o.WebSocket,
      backoff: this.o.backoff,
      maxRetries: this.o.maxRetries,
      connectTimeoutMs: this.o.connectTimeoutMs,
      onOpen: () => {},
      onMessage: (data) => routeFrame(data, this.frames),
      onClose: (info) => this.onClose(info),
      onStatus: (s) => this.onSocketStatus(s),
      onTargetError: (err) => this.o.logger.warn("nerve: could not open a connection", err),
    });
    // Back online or visible again: retry now if disconnected; if connected, check at once that
    // the socket survived (a laptop lid closed for an hour leaves a socket that looks open).
    // Gone offline: a socket that looks open is probably dead; a ping finds out within pongTimeoutMs.
    if (this.o.retryOnOnline) {
      this.cleanups.push(watchWakeUps(() => this.wake(), () => {
        if (CONNECTED_PHASES.has(this.phase)) this.heartbeat.probe();
      }));
    }
  }

  get phase(): NervePhase {
    return this.machine.phase;
  }

  get deviceId(): string | null {
    return this.device;
  }

  // ------------------------------------------------------------------ control

  connect(): void {
    if (this.phase === "closed") return;
    this.startReason = "connect";
    this.socket.start();
  }

  reconnect(): void {
    if (this.phase === "closed") return;
    this.startReason = "restart";
    this.socket.restart();
  }

  wake(): void {
    if (this.phase === "offline" || this.phase === "reconnecting") this.reconnect();
    else if (CONNECTED_PHASES.has(this.phase)) this.heartbeat.probe();
  }

  whenSynced(): Promise<void> {
    if (this.phase === "synced") return Promise.resolve();
    return new Promise((resolve, reject) => this.syncWaiters.add({ resolve, reject }));
  }

  close(): Promise<void> {
    this.closing = true;
    this.socket.close(1000, "client closed");
    this.machine.to("closed", "client-closed");
    this.stopLiveTimers();
    this.sender.dispose();
    this.pending.rejectAll(new NerveClientError(ClientErrorCode.CLOSED, "the client was closed before the server answered"));
    for (const c of this.cleanups.splice(0)) c();
    return this.store.flush();
  }

  // ------------------------------------------------------------------ phase

  /** Whether the server streams live on this connection (after SYNCED): sends may go out. */
  private serverLive(): boolean {
    return CONNECTED_PHASES.has(this.phase) && !this.store.sync.catchingUp;
  }

  /** `synced` once the server is live and the mirror whole. */
  private trustIfWhole(): void {
    if (this.serverLive() && !this.store.sync.needsFullState) this.machine.to("synced", "synced");
  }

  private onPhase(change: PhaseChange): void {
    if (CONNECTED_PHASES.has(change.from) && !CONNECTED_PHASES.has(change.to)) this.leaveConnection();
    this.publish({ phase: change.to, status: statusOf(change.to), synced: change.to === "synced" }, change);
    if (change.to === "synced") {
      this.emitter.emit("synced", { seq: this.store.cursor, resumed: this.store.sync.resumed });
      for (const w of this.syncWaiters) w.resolve();
      this.syncWaiters.clear();
    } else if (change.to === "offline" || change.to === "refused" || change.to === "closed") {
      const code = change.to === "offline" ? ClientErrorCode.OFFLINE : ClientErrorCode.CLOSED;
      const err = new NerveClientError(code, `the client is ${change.to}`, change.close ? { cause: change.close } : {});
      for (const w of this.syncWaiters) w.reject(err);
      this.syncWaiters.clear();
    }
  }

  /** The accepted connection is gone (closed, dropped, or replaced by a restart). */
  private leaveConnection(): void {
    this.stopLiveTimers();
    this.store.sync.disconnected();
    this.sender.stop();
    this.pending.outbox.unsendAll();
    this.parts.link.reset();
  }

  private onSocketStatus(s: SocketStatus): void {
    if (s === "connecting") this.machine.to("connecting", this.startReason);
    else if (s === "reconnecting") this.machine.to("reconnecting", "connection-lost");
    else if (s === "offline") this.machine.to("offline", "retries-spent");
    else if (s === "closed") this.machine.to(this.closing ? "closed" : "refused", this.closing ? "client-closed" : "server-refused");
  }

  private onClose(info: { code: number; reason: string; willRetry: boolean }): void {
    const close = { code: info.code, reason: info.reason };
    this.publish({ lastClose: close });
    if (info.willRetry) this.machine.to("reconnecting", "connection-lost", close);
    else if (closePolicy(info.code) === "stop") this.machine.to("refused", "server-refused", close);
    else this.machine.to("offline", "retries-spent", close);
    this.emitter.emit("close", info);
  }

  private stopLiveTimers(): void {
    this.heartbeat.stop();
    this.refresher.stop();
    if (this.gapTimer) clearTimeout(this.gapTimer);
    this.gapTimer = null;
  }

  // ------------------------------------------------------------------ connecting

  /** Fetches a token, loads this user's cursor and outbox, and builds the URL of the next attempt. */
  private async target(): Promise<{ url: string; protocols?: string[] }> {
    const token = await this.o.getToken();
    if (typeof token !== "string" || token === "") throw new Error("getToken returned no token");
    const peek = peekToken(token);
    this.connectToken = token;
    if (peek && peek.sub !== this.store.userId) await this.loadUser(peek.sub);
    if (!this.device) this.device = await this.store.deviceId();
    return connectUrl({
      url: this.o.url, token, tokenTransport: this.o.tokenTransport, resume: peek ? this.store.resumePoint() : null,
      device: this.device, platform: this.o.platform, name: this.o.name, topics: this.o.topics,
    });
  }

  /** Switches the persisted cursor, mirror and outbox to this user (first connect, or a token for another user). */
  private async loadUser(userId: string): Promise<void> {
    const switching = this.store.userId !== null;
    if (switching) this.pending.rejectAll(new NerveClientError(ClientErrorCode.USER_CHANGED, "the token now names another user"));
    const { cursor, outbox } = await this.store.loadUser(userId);
    this.sender.resetAck(cursor ?? 0);
    this.pending.switchUser(switching, outbox);
    const m = this.store.mirror;
    this.publish({ seq: this.store.cursor, userId, state: m.state, versions: m.versions, devices: m.devices });
  }

  // ------------------------------------------------------------------ frames in

  /** Where the frame router sends each frame. */
  private readonly frames: FrameHandlers = {
    pong: () => this.heartbeat.pong(),
    welcome: (frame) => this.onWelcome(frame),
    state: (frame) => this.store.sync.state(frame),
    event: (event) => this.store.sync.event(event),
    events: (events) => this.store.sync.events(events),
    synced: (seq) => this.onSynced(seq),
    accepted: (answer) => this.pending.accepted(answer),
    error: (frame) => this.onError(frame),
    device: (type, device) => {
      this.store.sync.device(device);
      this.emitter.emit(type, device);
    },
    ignored: (why, detail) => this.o.logger.warn(`nerve: ignored ${why}`, ...(detail !== undefined ? [detail] : [])),
  };

  private onWelcome(frame: WelcomeFrame): void {
    this.socket.markHealthy(frame.reconnectSpreadMs);
    this.store.welcome(frame.resumed, frame.epoch);
    this.device = frame.deviceId;
    this.publish({ userId: frame.userId, deviceId: frame.deviceId });
    this.machine.to("catching-up", "welcome");
    this.heartbeat.start(this.o.heartbeatMs ?? (frame.heartbeatMs > 0 ? frame.heartbeatMs : 30_000), this.o.pongTimeoutMs);
    if (this.connectToken) this.refresher.start(this.connectToken);
    this.emitter.emit("welcome", frame);
  }

  /**
   * Catch-up is over. The mirror is trusted only when it is whole: a mirror restored older than
   * the cursor, or one that lost trust during catch-up, waits for the full STATE asked for now.
   */
  private onSynced(seq: number): void {
    this.store.sync.synced(seq);
    if (this.store.sync.needsFullState) this.sender.requestSync();
    else this.trustIfWhole();
    this.sender.start();
  }

  private onError(frame: ErrorFrame): void {
    if (frame.code === ErrorCode.RATE_LIMITED) {
      // Transient: not applied, not remembered; the sender sends it (whichever it was) again later.
      this.sender.rateLimited(frame.retryAfterMs ?? 1000);
      return;
    }
    if (!this.pending.refused(frame)) this.emitter.emit("error", frame);
  }

  // ------------------------------------------------------------------ what the store reports

  mirrorChanged({ keys, reset, devices }: { keys: string[]; reset: boolean; devices: boolean }): void {
    const m = this.store.mirror;
    this.publish({ state: m.state, versions: m.versions, devices: m.devices, seq: this.store.cursor });
    if (devices) this.emitter.emit("devices", m.devices);
    if (keys.length > 0 || reset) this.emitter.emit("state", { keys, reset });
    if (reset) {
      this.sender.syncAnswered();
      this.trustIfWhole();
    }
  }

  deliver(event: NerveEvent): void {
    this.emitter.emit(event.type, event as never);
    this.emitter.emit("event", event as never);
  }

  cursorMoved(seq: number): void {
    this.publish({ seq });
    this.checkGap();
  }

  /** The mirror lost trust: ask for the whole state; a synced client is catching up again until it comes. */
  needFullState(): void {
    this.sender.requestSync();
    if (this.phase === "synced") this.machine.to("catching-up", "resync");
  }

  /** A hole in live seqs that our own in-flight sends do not explain becomes a STATE_SYNC. */
  checkGap(): void {
    if (!this.store.sync.gapOpen) {
      if (this.gapTimer) clearTimeout(this.gapTimer);
      this.gapTimer = null;
      return;
    }
    if (this.gapTimer) return;
    this.gapTimer = setTimeout(() => {
      this.gapTimer = null;
      if (this.store.sync.gapOpen) this.store.sync.distrust();
    }, this.pending.outbox.inflightCount > 0 ? GAP_GRACE_MS : 0);
  }

  // ------------------------------------------------------------------ frames out

  private sendRaw(text: string): boolean {
    const ws = this.socket.current;
    if (!ws) return false;
    try {
      ws.send(text);
      return true;
    } catch {
      return false;
    }
  }
}
