import {
  BEARER_PREFIX, CAS_TYPES, CLIENT_MESSAGE_DATA, DATA_OPTIONAL, ErrorCode, STATE_UPDATE_TYPES, SUBPROTOCOL, ServerFrame, stateKeyOf, toWireIssues,
  type DeviceInfo, type ErrorFrame, type EventType, type EventsFrame, type NerveEvent, type StateFrame, type WelcomeFrame,
} from "../protocol/index.js";
import { Emitter } from "./emitter.js";
import { watchWakeUps } from "./environment.js";
import { Heartbeat } from "./heartbeat.js";
import { peekToken, randomId } from "./ids.js";
import { TokenRefresher } from "./token-refresher.js";
import { LinkQuality } from "./link-quality.js";
import { resolveOptions, type NerveClientOptions, type ResolvedOptions } from "./options.js";
import { Outbox, type OutboxEntry } from "./outbox.js";
import { overlappingFields, withoutFields } from "./rebase.js";
import { PersistQueue } from "./persist-queue.js";
import { ReconnectingSocket, type SocketStatus } from "./reconnecting-socket.js";
import { Sender } from "./sender.js";
import { SyncState } from "./sync-state.js";
import { UserStorage, type StoredMirror } from "./user-storage.js";
import {
  NerveClientError,
  type ConflictEvent, type NerveEventMap, type NerveSnapshot, type NerveStatus, type SendDataMap, type SendOptions, type SendResult, type SendType, type TypedEvent,
} from "./types.js";

/** How long a seq hole may stay open (own sends in flight fill it) before a STATE_SYNC. */
const GAP_GRACE_MS = 1000;
/** How often at most the mirror is written to storage. */
const MIRROR_SAVE_MS = 1000;

/** The event an accepted message of ours became, when the client can rebuild it. */
const OWN_EVENT: Partial<Record<string, EventType>> = {
  UPDATE_PROGRESS: "SHOOT_PROGRESS",
  LIMBIC_UPDATE: "LIMBIC_UPDATE",
  CONVERGENCE_UPDATE: "CONVERGENCE_UPDATE",
  POSTURE_CHANGE: "POSTURE_CHANGE",
  SEALED_UPDATE: "SEALED_UPDATE",
  KEYRING_UPDATE: "KEYRING_UPDATE",
  PAIRING_UPDATE: "PAIRING_UPDATE",
};

/**
 * The Nerve client: a reconnecting, resuming connection with a local mirror and an outbox.
 * Create it with `createNerveClient(options)`.
 */
export class NerveClient {
  private readonly o: ResolvedOptions;
  private readonly socket: ReconnectingSocket;
  private readonly emitter: Emitter<NerveEventMap>;
  private readonly listeners = new Set<() => void>();
  private readonly persistQueue: PersistQueue;
  private readonly stored: UserStorage;
  private readonly link = new LinkQuality();
  private readonly heartbeat: Heartbeat;
  private readonly refresher: TokenRefresher;
  /** The token the current connection was opened with: its `exp` schedules the in-band refresh. */
  private connectToken: string | null = null;
  private readonly sender: Sender;
  private readonly outbox: Outbox;
  private snap: NerveSnapshot;
  private readonly sync: SyncState;
  /** Whose cursor and outbox are loaded (the token's `sub`). */
  private userKey: string | null = null;
  private hasCursor = false;
  /** The epoch of the history the cursor belongs to, persisted with it and sent with `since`. */
  private epoch: string | null = null;
  /**
   * The epoch WELCOME announced. It becomes `epoch` only once the cursor belongs to it (a reset
   * STATE, or SYNCED), so no write ever pairs the new epoch with the old history's cursor or mirror.
   */
  private welcomeEpoch: string | null = null;
  /** The last mirror known whole up to its seq, as persisted with the cursor. */
  private mirrorSnap: StoredMirror | null = null;
  private deviceId: string | null;
  private gapTimer: ReturnType<typeof setTimeout> | null = null;
  private mirrorTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly cleanups: (() => void)[] = [];
  private readonly syncWaiters = new Set<{ resolve: () => void; reject: (e: Error) => void }>();

  constructor(options: NerveClientOptions) {
    this.o = resolveOptions(options);
    this.deviceId = this.o.deviceId ?? null;
    this.sync = new SyncState(!this.o.topics, {
      mirrorChanged: ({ keys, reset, devices }) => {
        const m = this.sync.mirror;
        if (keys.length > 0) this.scheduleMirrorSave();
        this.patch({ state: m.state, versions: m.versions, devices: m.devices, seq: this.sync.seqs.cursor });
        if (devices) this.emitter.emit("devices", m.devices);
        if (keys.length > 0 || reset) this.emitter.emit("state", { keys, reset });
        if (reset) this.sender.syncAnswered();
      },
      deliver: (event) => {
        this.emitter.emit(event.type, event as never);
        this.emitter.emit("event", event as TypedEvent);
      },
      cursorMoved: (seq, reset) => {
        if (reset || !this.sync.catchingUp) this.epoch = this.welcomeEpoch ?? this.epoch;
        // A reset STATE is the whole mirror at its seq: it replaces the persisted one at once.
        if (reset) this.snapshotMirror();
        if (this.userKey !== null) {
          this.hasCursor = true;
          this.persist();
        }
        this.patch({ seq });
        this.checkGap();
      },
      needFullState: () => this.sender.requestSync(),
    });
    this.emitter = new Emitter((err, type) => this.o.logger.warn(`nerve: a "${String(type)}" listener threw`, err));
    this.persistQueue = new PersistQueue(this.o.storage, (err) => this.o.logger.warn("nerve: storage write failed", err));
    this.stored = new UserStorage(this.o.storage, this.o.storagePrefix, this.persistQueue);
    this.outbox = new Outbox(this.o.maxOutbox, (entries) => {
      if (this.userKey !== null) this.stored.saveOutbox(this.userKey, entries);
    });
    this.sender = new Sender({
      outbox: this.outbox,
      messagesPerMinute: this.o.messagesPerMinute,
      ackIntervalMs: this.o.ackIntervalMs,
      write: (text) => this.sendRaw(text),
      live: () => this.isLive(),
      wantsFullState: () => this.sync.needsFullState,
      cursor: () => this.sync.seqs.cursor,
    });
    this.heartbeat = new Heartbeat({
      send: (text) => this.sendRaw(text),
      onRtt: (ms) => {
        this.link.record(ms);
        this.patch({});
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
    this.snap = {
      status: "closed", synced: false, userId: null, deviceId: this.deviceId, state: {}, versions: {}, devices: [],
      seq: 0, latencyMs: null, quality: 0, pending: 0, lastClose: null,
    };
    this.socket = new ReconnectingSocket({
      target: () => this.target(),
      WebSocket: this.o.WebSocket,
      backoff: this.o.backoff,
      maxRetries: this.o.maxRetries,
      connectTimeoutMs: this.o.connectTimeoutMs,
      onOpen: () => {},
      onMessage: (data) => this.onMessage(data),
      onClose: (info) => this.onClose(info),
      onStatus: (s) => this.onSocketStatus(s),
      onTargetError: (err) => this.o.logger.warn("nerve: could not open a connection", err),
    });
    // Back online or visible again: retry now if disconnected; if "connected", check at once that
    // the socket survived (a laptop lid closed for an hour leaves a socket that looks open).
    // Gone offline: a socket that looks open is probably dead; a ping finds out within pongTimeoutMs.
    if (this.o.retryOnOnline) {
      this.cleanups.push(watchWakeUps(() => this.wake(), () => {
        if (this.snap.status === "connected") this.heartbeat.probe();
      }));
    }
    if (this.o.autoConnect) this.connect();
  }

  // ------------------------------------------------------------------ public API

  /** The current snapshot (same object until something changes). */
  getSnapshot = (): NerveSnapshot => this.snap;

  /** Calls `listener` after every snapshot change; returns the unsubscribe function. */
  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  };

  get status(): NerveStatus { return this.snap.status; }
  get state(): NerveSnapshot["state"] { return this.snap.state; }
  get versions(): NerveSnapshot["versions"] { return this.snap.versions; }
  get devices(): readonly DeviceInfo[] { return this.snap.devices; }
  get latencyMs(): number | null { return this.snap.latencyMs; }
  get quality(): number { return this.snap.quality; }
  get seq(): number { return this.snap.seq; }

  /**
   * Listens to a durable event type (typed data) or a client event (`status`, `state`, `synced`, ...).
   * @example client.on("SHOOT_PROGRESS", (e) => console.log(e.seq, e.data.processedCount))
   */
  on<K extends keyof NerveEventMap>(type: K, handler: (value: NerveEventMap[K]) => void): () => void {
    return this.emitter.on(type, handler);
  }

  /**
   * Sends a message through the outbox. Resolves on `ACCEPTED`, rejects with a NerveClientError on
   * `ERROR` (or at once when the data is invalid or the outbox is full). Survives disconnects.
   * @example await client.send("LIMBIC_UPDATE", { trust: 0.8 }, { baseVersion: client.versions.limbic })
   */
  send<T extends SendType>(type: T, data: SendDataMap[T], options: SendOptions = {}): Promise<SendResult> {
    const schema = CLIENT_MESSAGE_DATA[type];
    if (!schema) return Promise.reject(new NerveClientError(ErrorCode.UNKNOWN_TYPE, `unknown message type "${type}"`));
    const parsed = schema.safeParse(data === undefined && DATA_OPTIONAL.has(type) ? {} : data);
    if (!parsed.success) {
      return Promise.reject(new NerveClientError(ErrorCode.INVALID_MESSAGE, `invalid ${type} data`, { issues: toWireIssues(parsed.error.issues, ["data"]) }));
    }
    if (options.baseVersion !== undefined && !CAS_TYPES.has(type)) {
      return Promise.reject(new NerveClientError(ErrorCode.INVALID_MESSAGE, `${type} does not take baseVersion`));
    }
    if (this.outbox.isFull) return Promise.reject(new NerveClientError(ErrorCode.QUEUE_FULL, `the outbox holds ${this.o.maxOutbox} messages already`));
    const id = options.id ?? randomId("m-");
    if (this.outbox.has(id)) return Promise.reject(new NerveClientError(ErrorCode.INVALID_MESSAGE, `message ${id} is already in the outbox`));
    return new Promise<SendResult>((resolve, reject) => {
      const entry: OutboxEntry = { id, type, data: parsed.data, createdAt: Date.now(), ...(options.baseVersion !== undefined ? { baseVersion: options.baseVersion } : this.editBase(type, parsed.data)) };
      this.outbox.add(entry, { resolve, reject });
      this.patch({});
      this.sender.drain();
    });
  }

  /**
   * A state edit without an explicit baseVersion records what it was made on: the key's version and
   * value in the mirror now. It goes with that baseVersion when it was made while not live (or is
   * still unanswered at a reconnect), so a newer change is never overwritten unseen; live edits
   * go without (last write wins: every device sees the other's change within a round trip).
   */
  private editBase(type: string, data: unknown): Partial<OutboxEntry> {
    const key = STATE_UPDATE_TYPES.has(type) ? stateKeyOf(OWN_EVENT[type]!, data) : null;
    if (key === null) return {};
    const m = this.sync.mirror;
    const base = (m.state as Record<string, unknown>)[key];
    return { baseVersion: m.versions[key] ?? 0, auto: { key, ...(base !== undefined ? { base } : {}) }, ...(this.isLive() ? {} : { guarded: true }) };
  }

  private isLive(): boolean {
    return this.snap.synced && !this.sync.catchingUp;
  }

  /** Resolves at the next `SYNCED` (at once if synced now); rejects when the client goes `closed` or `offline`. */
  whenSynced(): Promise<void> {
    if (this.snap.synced) return Promise.resolve();
    return new Promise((resolve, reject) => this.syncWaiters.add({ resolve, reject }));
  }

  /** Starts connecting (when created with `autoConnect: false`). */
  connect(): void {
    this.socket.start();
  }

  /** Drops the connection (if any) and connects again now, with a fresh retry budget. Also leaves `offline` and `closed`. */
  reconnect(): void {
    this.socket.restart();
  }

  /**
   * Tells the client the app or network just came back (what browsers' `online` and page
   * visibility do by themselves): reconnects now when `offline` or `reconnecting`, and when
   * "connected" pings at once to find a socket that died while the app slept.
   * @example AppState.addEventListener("change", (s) => s === "active" && client.wake());
   */
  wake(): void {
    if (this.snap.status === "offline" || this.snap.status === "reconnecting") this.socket.restart();
    else if (this.snap.status === "connected") this.heartbeat.probe();
  }

  /** Closes for good: no more retries. Pending sends reject with `CLOSED`; their messages stay in storage for a later client. */
  close(): Promise<void> {
    this.socket.close(1000, "client closed");
    this.stopLiveTimers();
    this.sender.dispose();
    this.outbox.rejectWaiters(new NerveClientError("CLOSED", "the client was closed before the server answered"));
    for (const c of this.cleanups.splice(0)) c();
    if (this.mirrorTimer) {
      clearTimeout(this.mirrorTimer);
      this.saveMirror();
    }
    return this.persistQueue.flush();
  }

  // ------------------------------------------------------------------ connection lifecycle

  /** Fetches a token, loads this user's cursor and outbox, and builds the URL of the next attempt. */
  private async target(): Promise<{ url: string; protocols?: string[] }> {
    const token = await this.o.getToken();
    if (typeof token !== "string" || token === "") throw new Error("getToken returned no token");
    const peek = peekToken(token);
    this.connectToken = token;
    if (peek && peek.sub !== this.userKey) await this.loadUser(peek.sub);
    if (!this.deviceId) this.deviceId = await this.stored.deviceId();
    const query: [string, string | undefined][] = [
      ["token", this.o.tokenTransport === "query" ? token : undefined],
      ["since", this.hasCursor && peek ? String(this.sync.seqs.cursor) : undefined],
      ["epoch", this.hasCursor && peek && this.epoch ? this.epoch : undefined],
      ["device", this.deviceId],
      ["platform", this.o.platform],
      ["name", this.o.name],
      ["topics", this.o.topics?.join(",")],
      // The catch-up in EVENTS frames: far fewer frames (and parses) than one per missed message.
      ["batch", "1"],
    ];
    // Built by hand: React Native's URL has long lacked a working searchParams.
    const qs = query.filter(([, v]) => v !== undefined).map(([k, v]) => `${k}=${encodeURIComponent(v!)}`).join("&");
    const url = `${this.o.url}${this.o.url.includes("?") ? "&" : "?"}${qs}`;
    return { url, protocols: this.o.tokenTransport === "subprotocol" ? [SUBPROTOCOL, BEARER_PREFIX + token] : undefined };
  }

  /** Switches the persisted cursor and outbox to this user (first connect, or a token for another user). */
  private async loadUser(userId: string): Promise<void> {
    const switching = this.userKey !== null;
    if (switching) this.outbox.rejectWaiters(new NerveClientError("USER_CHANGED", "the token now names another user"));
    const { cursor, epoch, outbox, mirror } = await this.stored.load(userId);
    this.userKey = userId;
    this.hasCursor = cursor !== null;
    this.epoch = epoch;
    this.welcomeEpoch = null;
    this.mirrorSnap = this.o.persistState && mirror && cursor !== null && mirror.seq <= cursor ? mirror : null;
    this.sync.startUser(cursor, this.o.persistState ? mirror : null);
    this.sender.resetAck(cursor ?? 0);
    if (switching) this.outbox.dropAll();
    const restored = this.outbox.restore(outbox);
    if (restored === 0 && this.outbox.size > 0) this.stored.saveOutbox(userId, this.outbox.list());
    const m = this.sync.mirror;
    this.patch({ seq: this.sync.seqs.cursor, userId, state: m.state, versions: m.versions, devices: m.devices });
  }

  private onSocketStatus(s: SocketStatus): void {
    const map: Record<SocketStatus, NerveStatus | null> = { connecting: "connecting", open: null, reconnecting: "reconnecting", offline: "offline", closed: "closed" };
    const status = map[s];
    if (status) this.patch({ status });
    if (status === "closed" || status === "offline") {
      const err = new NerveClientError(status.toUpperCase(), `the client is ${status}`);
      for (const w of this.syncWaiters) w.reject(err);
      this.syncWaiters.clear();
    }
  }

  private onClose(info: { code: number; reason: string; willRetry: boolean }): void {
    this.stopLiveTimers();
    this.sync.disconnected();
    this.sender.stop();
    this.outbox.unsendAll();
    this.link.reset();
    this.patch({ synced: false, lastClose: { code: info.code, reason: info.reason } });
    this.emitter.emit("close", info);
  }

  private stopLiveTimers(): void {
    this.heartbeat.stop();
    this.refresher.stop();
    if (this.gapTimer) clearTimeout(this.gapTimer);
    this.gapTimer = null;
  }

  // ------------------------------------------------------------------ frames in

  private onMessage(data: unknown): void {
    if (typeof data !== "string") {
      this.o.logger.warn("nerve: ignored a binary frame");
      return;
    }
    if (data === "pong") return this.heartbeat.pong();
    let json: unknown;
    try {
      json = JSON.parse(data);
    } catch {
      this.o.logger.warn("nerve: ignored a frame that is not JSON", data.slice(0, 200));
      return;
    }
    const parsed = ServerFrame.safeParse(json);
    if (!parsed.success) {
      this.o.logger.warn("nerve: ignored a frame that does not match the contract", toWireIssues(parsed.error.issues));
      return;
    }
    const frame = parsed.data;
    if ("seq" in frame && "ts" in frame && "from" in frame) return this.sync.event(frame as NerveEvent);
    switch (frame.type) {
      case "WELCOME": return this.onWelcome(frame as WelcomeFrame);
      case "STATE": return this.sync.state(frame as StateFrame);
      case "EVENTS": return this.sync.events((frame as EventsFrame).events as NerveEvent[]);
      case "SYNCED": return this.onSynced((frame as { seq: number }).seq);
      case "ACCEPTED": {
        // Extension fields (DREAM_START's cycleId) are not in the schema, so they come from the raw frame.
        const cycleId = (json as { cycleId?: unknown }).cycleId;
        return this.onAccepted({ ...(frame as { id?: string; seq?: number; ts?: number; at?: number; duplicate?: boolean }), ...(typeof cycleId === "string" ? { cycleId } : {}) });
      }
      case "ERROR": return this.onError(frame as ErrorFrame);
      case "DEVICE_CONNECTED":
      case "DEVICE_DISCONNECTED": {
        const device = (frame as { device: DeviceInfo }).device;
        this.sync.device(device);
        this.emitter.emit(frame.type, device);
        return;
      }
      default:
        return; // PONG: this client measures with the text ping
    }
  }

  private onWelcome(frame: WelcomeFrame): void {
    this.socket.markHealthy();
    this.sync.welcome(frame.resumed);
    // A new epoch comes with resumed: false; the reset STATE that follows saves the cursor under it.
    this.welcomeEpoch = frame.epoch ?? null;
    this.deviceId = frame.deviceId;
    this.patch({ status: "connected", userId: frame.userId, deviceId: frame.deviceId });
    this.heartbeat.start(this.o.heartbeatMs ?? (frame.heartbeatMs > 0 ? frame.heartbeatMs : 30_000), this.o.pongTimeoutMs);
    if (this.connectToken) this.refresher.start(this.connectToken);
    this.emitter.emit("welcome", frame);
  }

  private onSynced(seq: number): void {
    this.sync.synced(seq);
    this.patch({ synced: true });
    this.emitter.emit("synced", { seq, resumed: this.sync.resumed });
    for (const w of this.syncWaiters) w.resolve();
    this.syncWaiters.clear();
    if (this.sync.needsFullState) this.sender.requestSync();
    this.sender.start();
  }

  private onAccepted(frame: { id?: string; seq?: number; ts?: number; at?: number; duplicate?: boolean; cycleId?: string }): void {
    if (frame.id === undefined) return;
    const taken = this.outbox.take(frame.id);
    if (!taken) return;
    const { entry, waiter } = taken;
    if (frame.seq !== undefined) {
      this.ownEvent(entry, frame.seq, frame.ts, frame.at);
      this.rebaseAfterOwn(entry, frame.seq);
    }
    const result: SendResult = {
      id: entry.id, ...(frame.seq !== undefined ? { seq: frame.seq } : {}), duplicate: frame.duplicate === true,
      ...(frame.cycleId !== undefined ? { cycleId: frame.cycleId } : {}),
    };
    this.patch({});
    if (waiter) waiter.resolve(result);
    else this.emitter.emit("outbox", { id: entry.id, type: entry.type, result });
    this.checkGap();
    this.sender.drain();
  }

  /**
   * Our own accepted message: the server does not echo it to us, so the client applies it to the
   * mirror (`versions[key] = seq`, with the server's `ts`) and hands it to listeners like any event.
   * A type whose event it cannot rebuild (dream messages) leaves a hole that the gap check turns
   * into a STATE_SYNC. An older server sends no `ts`: the local clock stands in.
   */
  private ownEvent(entry: OutboxEntry, seq: number, ts?: number, at?: number): void {
    const type = OWN_EVENT[entry.type];
    if (type) this.sync.own(type, entry.data, seq, this.deviceId ?? "", ts ?? Date.now(), at);
  }

  private onError(frame: ErrorFrame): void {
    if (frame.code === ErrorCode.RATE_LIMITED) {
      // Transient: not applied, not remembered; the sender sends it (whichever it was) again later.
      this.sender.rateLimited(frame.retryAfterMs ?? 1000);
      return;
    }
    const entry = frame.id !== undefined ? this.outbox.get(frame.id) : undefined;
    if (!entry) return this.emitter.emit("error", frame);
    if (frame.code === ErrorCode.CONFLICT && entry.auto && frame.currentVersion !== undefined) {
      this.onConflict(entry, frame.current ?? undefined, frame.currentVersion);
      this.patch({});
      this.checkGap();
      this.sender.drain();
      return;
    }
    const { waiter } = this.outbox.take(entry.id)!;
    const error = new NerveClientError(frame.code, frame.message, frame);
    this.patch({});
    if (waiter) waiter.reject(error);
    else this.emitter.emit("outbox", { id: entry.id, type: entry.type, error });
    this.checkGap();
    this.sender.drain();
  }

  // ------------------------------------------------------------------ conflict-aware edits

  /**
   * Our edit was accepted on top of `baseVersion`: the later queued edits of the key that were made
   * on the same version were made on the value just before ours, so they move onto ours.
   */
  private rebaseAfterOwn(entry: OutboxEntry, seq: number): void {
    const key = entry.auto?.key;
    if (!key || entry.baseVersion === undefined || this.sync.mirror.versions[key] !== seq) return;
    const base = (this.sync.mirror.state as Record<string, unknown>)[key];
    for (const e of this.outbox.ofKey(key)) {
      if (e.baseVersion === entry.baseVersion && !e.held && !this.outbox.isInflight(e.id)) this.outbox.update(e.id, { baseVersion: seq, auto: { key, base } });
    }
  }

  /**
   * A guarded edit was refused: the key changed since it was made. Every waiting edit of the key
   * made on the same version is checked against what the newer change touched (its base value vs
   * the server's current): no overlap, it is rebased and sent again (under a new id: the server
   * remembers the CONFLICT by id); an overlap holds it and raises `conflict`.
   */
  private onConflict(refused: OutboxEntry, current: unknown, currentVersion: number): void {
    const key = refused.auto!.key;
    const group = this.outbox.ofKey(key).filter((e) => e.id === refused.id || (e.baseVersion === refused.baseVersion && !e.held && !this.outbox.isInflight(e.id)));
    for (const e of group) {
      const fields = overlappingFields(key, e.data, e.auto!.base, current);
      if (fields.length === 0) {
        this.outbox.update(e.id, { id: randomId("m-"), baseVersion: currentVersion, auto: { key, base: current }, guarded: true });
        continue;
      }
      const held = this.outbox.update(e.id, { held: true })!;
      this.raiseConflict(held, fields, current, currentVersion);
    }
  }

  private raiseConflict(entry: OutboxEntry, fields: string[], theirs: unknown, theirsVersion: number): void {
    let done = false;
    const v = (theirs ?? {}) as { by?: unknown; changedAt?: unknown; updatedAt?: unknown };
    const at = typeof v.changedAt === "number" ? v.changedAt : typeof v.updatedAt === "number" ? v.updatedAt : undefined;
    const event: ConflictEvent = {
      key: entry.auto!.key, fields, mine: entry.data as Record<string, unknown>, theirs, theirsVersion, id: entry.id,
      ...(typeof v.by === "string" ? { theirsFrom: v.by } : {}),
      ...(at !== undefined ? { theirsAt: at } : {}),
      resolve: (choice) => {
        if (done) return;
        done = true;
        this.resolveConflict(entry.id, fields, choice);
      },
    };
    // Nobody listens: the newer change stands and the edit's sender is told (the promise rejects
    // with CONFLICT, or an `outbox` event for an edit restored from storage).
    if (this.emitter.count("conflict") === 0) return event.resolve("theirs");
    this.emitter.emit("conflict", event);
  }

  private resolveConflict(id: string, fields: string[], choice: "mine" | "theirs"): void {
    const entry = this.outbox.get(id);
    if (!entry?.held) return;
    const key = entry.auto!.key;
    const data = choice === "mine" ? entry.data : withoutFields(key, entry.data, fields);
    const m = this.sync.mirror;
    if (data !== null) {
      // Onto the value the mirror holds now, which includes the newer change.
      const base = (m.state as Record<string, unknown>)[key];
      this.outbox.update(id, { id: randomId("m-"), data, held: false, guarded: true, baseVersion: m.versions[key] ?? 0, auto: { key, ...(base !== undefined ? { base } : {}) } });
    } else {
      const { waiter } = this.outbox.take(id)!;
      const error = new NerveClientError(ErrorCode.CONFLICT, `${key} was changed by a newer edit of ${fields.join(", ")}; resolved as theirs`, {
        current: (m.state as Record<string, unknown>)[key], currentVersion: m.versions[key] ?? 0,
      });
      if (waiter) waiter.reject(error);
      else this.emitter.emit("outbox", { id, type: entry.type, error });
    }
    this.patch({});
    this.sender.drain();
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

  // ------------------------------------------------------------------ seq bookkeeping

  /** A hole in live seqs that our own in-flight sends do not explain becomes a STATE_SYNC. */
  private checkGap(): void {
    if (!this.sync.gapOpen) {
      if (this.gapTimer) clearTimeout(this.gapTimer);
      this.gapTimer = null;
      return;
    }
    if (this.gapTimer) return;
    this.gapTimer = setTimeout(() => {
      this.gapTimer = null;
      if (this.sync.gapOpen) this.sync.distrust();
    }, this.outbox.inflightCount > 0 ? GAP_GRACE_MS : 0);
  }

  /** Persists the mirror at most once per MIRROR_SAVE_MS (it can be large; the cursor is saved on every change). */
  private scheduleMirrorSave(): void {
    if (!this.o.persistState || this.mirrorTimer) return;
    this.mirrorTimer = setTimeout(() => this.saveMirror(), MIRROR_SAVE_MS);
  }

  private saveMirror(): void {
    this.mirrorTimer = null;
    if (this.snapshotMirror()) this.persist();
  }

  /** Takes the mirror as the one to persist; only without holes, so it is exactly "everything up to seq". */
  private snapshotMirror(): boolean {
    if (!this.o.persistState || this.sync.seqs.hasGap) return false;
    const m = this.sync.mirror;
    this.mirrorSnap = { seq: this.sync.seqs.cursor, state: m.state as Record<string, unknown>, versions: m.versions };
    return true;
  }

  /** Writes the cursor, its epoch and the last whole mirror as one value. */
  private persist(): void {
    if (this.userKey === null || !this.hasCursor) return;
    this.stored.saveSync(this.userKey, { seq: this.sync.seqs.cursor, epoch: this.epoch, mirror: this.mirrorSnap });
  }

  // ------------------------------------------------------------------ snapshot

  private patch(p: Partial<NerveSnapshot>): void {
    const next = { ...this.snap, ...p };
    next.latencyMs = this.link.latencyMs;
    next.pending = this.outbox.size;
    next.quality = this.link.quality(next.status === "connected", this.socket?.attemptTimes ?? [], Date.now());
    const statusChanged = next.status !== this.snap.status;
    this.snap = next;
    if (statusChanged) this.emitter.emit("status", next.status);
    for (const l of [...this.listeners]) {
      try {
        l();
      } catch (err) {
        this.o.logger.warn("nerve: a subscriber threw", err);
      }
    }
  }
}
