import type { NerveEvent } from "../protocol/index.js";
import type { MirrorData } from "./mirror.js";
import type { OutboxEntry } from "./outbox.js";
import { PersistQueue } from "./persist-queue.js";
import type { NerveStorage } from "./storage.js";
import { SyncState } from "./sync-state.js";
import { UserStorage, type StoredMirror } from "./user-storage.js";

/** How often at most the mirror is written to storage (it can be large; the cursor goes on every move). */
const MIRROR_SAVE_MS = 1000;

export interface SyncStoreOptions {
  storage: NerveStorage;
  storagePrefix: string;
  /** Persist the mirror beside the cursor (option `persistState`). */
  persistState: boolean;
  /** False on a topic-filtered connection: seqs skip by design. */
  contiguous: boolean;
  onStorageError: (err: unknown) => void;
}

/** What the store tells its owner. */
export interface SyncStoreHooks {
  /** The mirror changed: these keys (all of them on a reset), or the device list. */
  mirrorChanged(change: { keys: string[]; reset: boolean; devices: boolean }): void;
  /** A durable event to hand to listeners (new, in seq order). */
  deliver(event: NerveEvent): void;
  /** The cursor moved; `reset`: to a full STATE's seq. */
  cursorMoved(seq: number, reset: boolean): void;
  /** The mirror cannot be trusted any more: the whole state is needed. */
  needFullState(): void;
}

/**
 * The client's store: the mirror of the user's hub (state, versions, devices, processed seqs, in
 * `sync`) and everything persisted about it. The cursor, its epoch and the last whole mirror are
 * written together as one value (`UserStorage.saveSync`), so no crash can pair a cursor with a
 * mirror of another seq or epoch. Knows nothing of sockets, phases or sends.
 */
export class SyncStore {
  /** The mirror and seqs, fed frame by frame. */
  readonly sync: SyncState;
  private readonly queue: PersistQueue;
  private readonly stored: UserStorage;
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
  private mirrorTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly o: SyncStoreOptions, hooks: SyncStoreHooks) {
    this.queue = new PersistQueue(o.storage, o.onStorageError);
    this.stored = new UserStorage(o.storage, o.storagePrefix, this.queue);
    this.sync = new SyncState(o.contiguous, {
      mirrorChanged: (change) => {
        if (change.keys.length > 0) this.scheduleMirrorSave();
        hooks.mirrorChanged(change);
      },
      deliver: (event) => hooks.deliver(event),
      cursorMoved: (seq, reset) => {
        if (reset || !this.sync.catchingUp) this.epoch = this.welcomeEpoch ?? this.epoch;
        // A reset STATE is the whole mirror at its seq: it replaces the persisted one at once.
        if (reset) this.snapshotMirror();
        if (this.userKey !== null) {
          this.hasCursor = true;
          this.persist();
        }
        hooks.cursorMoved(seq, reset === true);
      },
      needFullState: () => hooks.needFullState(),
    });
  }

  get userId(): string | null {
    return this.userKey;
  }

  get mirror(): MirrorData {
    return this.sync.mirror;
  }

  /** The highest seq processed with nothing missing below it. */
  get cursor(): number {
    return this.sync.seqs.cursor;
  }

  /** What to resume from (`since`, `epoch`), or null when this user has no cursor yet. */
  resumePoint(): { since: number; epoch: string | null } | null {
    return this.hasCursor ? { since: this.sync.seqs.cursor, epoch: this.epoch } : null;
  }

  /**
   * Switches to this user's persisted cursor, epoch and mirror (shown at once, even offline).
   * Returns the cursor and the persisted outbox, for the caller to restore.
   */
  async loadUser(userId: string): Promise<{ cursor: number | null; outbox: OutboxEntry[] }> {
    const { cursor, epoch, outbox, mirror } = await this.stored.load(userId);
    this.userKey = userId;
    this.hasCursor = cursor !== null;
    this.epoch = epoch;
    this.welcomeEpoch = null;
    this.mirrorSnap = this.o.persistState && mirror && cursor !== null && mirror.seq <= cursor ? mirror : null;
    this.sync.startUser(cursor, this.o.persistState ? mirror : null);
    return { cursor, outbox };
  }

  /** A WELCOME: catch-up starts; a new epoch waits for the reset it brings before it is persisted. */
  welcome(resumed: boolean, epoch: string | undefined): void {
    this.sync.welcome(resumed);
    this.welcomeEpoch = epoch ?? null;
  }

  /** The persisted deviceId, or a new one (persisted). */
  deviceId(): Promise<string> {
    return this.stored.deviceId();
  }

  saveOutbox(entries: readonly OutboxEntry[]): void {
    if (this.userKey !== null) this.stored.saveOutbox(this.userKey, entries);
  }

  /** Writes the pending mirror now and resolves when everything is in storage. */
  flush(): Promise<void> {
    if (this.mirrorTimer) {
      clearTimeout(this.mirrorTimer);
      this.saveMirror();
    }
    return this.queue.flush();
  }

  /** Persists the mirror at most once per MIRROR_SAVE_MS. */
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
}
