import type { DeviceInfo } from "../protocol/index.js";
import { Emitter } from "./emitter.js";
import { LinkQuality } from "./link-quality.js";
import { resolveOptions, type NerveClientOptions, type ResolvedOptions } from "./options.js";
import { PendingSends } from "./pending-sends.js";
import type { NervePhase, PhaseChange } from "./phase.js";
import { Session } from "./session.js";
import { SyncStore } from "./sync-store.js";
import type { NerveEventMap, NerveSnapshot, NerveStatus, SendDataMap, SendOptions, SendResult, SendType } from "./types.js";

/**
 * The Nerve client: a reconnecting, resuming connection with a local mirror and an outbox.
 * Create it with `createNerveClient(options)`. A facade over three parts: the `SyncStore` (mirror
 * and persistence), the `PendingSends` (outbox, answers, conflicts) and the `Session` (connection,
 * frame router, phase); it publishes what they report as one immutable snapshot.
 */
export class NerveClient {
  private readonly o: ResolvedOptions;
  private readonly emitter: Emitter<NerveEventMap>;
  private readonly listeners = new Set<() => void>();
  private readonly link = new LinkQuality();
  private readonly store: SyncStore;
  private readonly pending: PendingSends;
  private readonly session: Session;
  private snap: NerveSnapshot;

  constructor(options: NerveClientOptions) {
    this.o = resolveOptions(options);
    this.emitter = new Emitter((err, type) => this.o.logger.warn(`nerve: a "${String(type)}" listener threw`, err));
    this.snap = {
      phase: "idle", status: "closed", synced: false, userId: null, deviceId: this.o.deviceId ?? null, state: {}, versions: {}, devices: [],
      seq: 0, latencyMs: null, quality: 0, pending: 0, lastClose: null,
    };
    // The store reports to the session, which is built after it.
    this.store = new SyncStore({
      storage: this.o.storage,
      storagePrefix: this.o.storagePrefix,
      persistState: this.o.persistState,
      contiguous: !this.o.topics,
      onStorageError: (err) => this.o.logger.warn("nerve: storage write failed", err),
    }, {
      mirrorChanged: (change) => this.session.mirrorChanged(change),
      deliver: (event) => this.session.deliver(event),
      cursorMoved: (seq) => this.session.cursorMoved(seq),
      needFullState: () => this.session.needFullState(),
    });
    this.pending = new PendingSends({
      maxOutbox: this.o.maxOutbox,
      store: this.store,
      emitter: this.emitter,
      mirrorTrusted: () => this.session.phase === "synced",
      deviceId: () => this.session.deviceId ?? "",
      changed: () => {
        this.publish({});
        this.session.checkGap();
        this.session.sender.drain();
      },
    });
    this.session = new Session({ options: this.o, store: this.store, pending: this.pending, emitter: this.emitter, link: this.link, publish: this.publish });
    if (this.o.autoConnect) this.connect();
  }

  // ------------------------------------------------------------------ reading

  /** The current snapshot (same object until something changes). */
  getSnapshot = (): NerveSnapshot => this.snap;

  /** Calls `listener` after every snapshot change; returns the unsubscribe function. */
  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  };

  /** Where the client is: `idle connecting catching-up synced reconnecting offline refused closed` (docs/client.md, "Phases"). */
  get phase(): NervePhase { return this.snap.phase; }
  get status(): NerveStatus { return this.snap.status; }
  get state(): NerveSnapshot["state"] { return this.snap.state; }
  get versions(): NerveSnapshot["versions"] { return this.snap.versions; }
  get devices(): readonly DeviceInfo[] { return this.snap.devices; }
  get latencyMs(): number | null { return this.snap.latencyMs; }
  get quality(): number { return this.snap.quality; }
  get seq(): number { return this.snap.seq; }

  /**
   * Listens to a durable event type (typed data) or a client event (`phase`, `status`, `state`, `synced`, `conflict`, ...).
   * @example client.on("SHOOT_PROGRESS", (e) => console.log(e.seq, e.data.processedCount))
   * @example client.on("phase", ({ from, to, reason }) => console.log(`${from} -> ${to}: ${reason}`))
   */
  on<K extends keyof NerveEventMap>(type: K, handler: (value: NerveEventMap[K]) => void): () => void {
    return this.emitter.on(type, handler);
  }

  // ------------------------------------------------------------------ writing

  /**
   * Sends a message through the outbox. Resolves on `ACCEPTED`, rejects with a NerveClientError on
   * `ERROR` (or at once when the data is invalid or the outbox is full). Survives disconnects.
   * @example await client.send("LIMBIC_UPDATE", { trust: 0.8 }, { baseVersion: client.versions.limbic })
   */
  send<T extends SendType>(type: T, data: SendDataMap[T], options: SendOptions = {}): Promise<SendResult> {
    return this.pending.add(type, data, options);
  }

  // ------------------------------------------------------------------ control

  /** Resolves when the phase is next `synced` (at once if it is now); rejects when it becomes `offline`, `refused` or `closed`. */
  whenSynced(): Promise<void> {
    return this.session.whenSynced();
  }

  /** Starts connecting (when created with `autoConnect: false`). */
  connect(): void {
    this.session.connect();
  }

  /** Drops the connection (if any) and connects again now, with a fresh retry budget. Also leaves `offline` and `refused` (not `closed`). */
  reconnect(): void {
    this.session.reconnect();
  }

  /**
   * Tells the client the app or network just came back (what browsers' `online` and page
   * visibility do by themselves): reconnects now when `offline` or `reconnecting`, and when
   * connected pings at once to find a socket that died while the app slept.
   * @example AppState.addEventListener("change", (s) => s === "active" && client.wake());
   */
  wake(): void {
    this.session.wake();
  }

  /** Closes for good (phase `closed`): no more retries. Pending sends reject with `CLOSED`; their messages stay in storage for a later client. */
  close(): Promise<void> {
    return this.session.close();
  }

  // ------------------------------------------------------------------ snapshot

  /** A new snapshot with `p` and the derived figures; `change`: the phase change behind it, emitted first. */
  private readonly publish = (p: Partial<NerveSnapshot>, change?: PhaseChange): void => {
    const next = { ...this.snap, ...p };
    next.latencyMs = this.link.latencyMs;
    next.pending = this.pending?.size ?? 0;
    next.quality = this.link.quality(next.status === "connected", this.session?.socket.attemptTimes ?? [], Date.now());
    const statusChanged = next.status !== this.snap.status;
    this.snap = next;
    if (change) this.emitter.emit("phase", change);
    if (statusChanged) this.emitter.emit("status", next.status);
    for (const l of [...this.listeners]) {
      try {
        l();
      } catch (err) {
        this.o.logger.warn("nerve: a subscriber threw", err);
      }
    }
  };
}
