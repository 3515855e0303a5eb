import { StateRemovedData, type DeviceInfo, type EventType, type NerveEvent, type StateFrame } from "../protocol/index.js";
import { applyStateFrame, EMPTY_MIRROR, joinStateParts, removeKeys, setValue, upsertDevice, type MirrorData } from "./mirror.js";
import { reduce, stateKeyOf, UNKNOWN } from "./reducers.js";
import { SeqTracker } from "./seq-tracker.js";

/** What the client learns as frames come in; the client turns these into snapshot patches and events. */
export interface SyncHooks {
  /** The mirror changed: these keys (all of them on a reset), or the device list. */
  mirrorChanged(change: { keys: string[]; reset: boolean; devices: boolean }): void;
  /** A durable event to hand to listeners (new, in order). */
  deliver(event: NerveEvent): void;
  /** The cursor moved (persist it). `reset`: to a full STATE's seq, with the mirror replaced by it. */
  cursorMoved(seq: number, reset?: boolean): void;
  /** The mirror cannot be trusted any more: ask the server for the whole state. */
  needFullState(): void;
}

/**
 * What the client knows of the user's hub: the mirror (state, versions, devices) and which seqs
 * it has processed. Fed frame by frame, in arrival order; knows nothing of sockets or sends.
 */
export class SyncState {
  mirror: MirrorData = EMPTY_MIRROR;
  seqs: SeqTracker;
  /** The mirror is not known to be whole (fresh process, an event it could not reduce, a gap). */
  needsFullState = true;
  /** Between WELCOME and SYNCED: replayed events skip seqs by design (state ones are coalesced). */
  catchingUp = false;
  resumed = false;
  /** The parts so far of a STATE split with `part`/`more`; applied together when the last arrives. */
  private stateParts: StateFrame[] = [];

  constructor(private readonly contiguous: boolean, private readonly hooks: SyncHooks) {
    this.seqs = new SeqTracker(0, contiguous);
  }

  /**
   * Starts over for a user from what was persisted: the cursor and, when there is one, the mirror
   * (shown at once, even offline). A mirror saved at the cursor is whole once the resumed STATE
   * merges the keys that changed since; an older one is shown but replaced by a full STATE.
   */
  startUser(cursor: number | null, stored: { seq: number; state: Record<string, unknown>; versions: Record<string, number> } | null): void {
    this.seqs = new SeqTracker(cursor ?? 0, this.contiguous);
    const usable = stored !== null && cursor !== null && stored.seq <= cursor;
    this.mirror = usable ? { state: stored.state as MirrorData["state"], versions: stored.versions, devices: [] } : EMPTY_MIRROR;
    this.needsFullState = !(usable && stored.seq === cursor);
  }

  welcome(resumed: boolean): void {
    this.catchingUp = true;
    this.resumed = resumed;
    this.stateParts = [];
  }

  disconnected(): void {
    this.catchingUp = false;
    this.stateParts = [];
  }

  /** A STATE frame, or one part of a split one: the mirror changes once, when the whole has arrived. */
  state(part: StateFrame): void {
    if (part.part !== undefined) {
      // A part 1 starts a new STATE, whatever came before (a connection cut mid-way).
      if (part.part === 1) this.stateParts = [];
      this.stateParts.push(part);
      if (part.more === true) return;
    }
    const frame = this.stateParts.length ? joinStateParts(this.stateParts) : part;
    this.stateParts = [];
    const { mirror, keys } = applyStateFrame(this.mirror, frame);
    this.mirror = mirror;
    if (frame.reset) {
      // Everything up to frame.seq is in this state, and nothing older follows it.
      this.seqs.resetTo(frame.seq);
      this.needsFullState = false;
      this.hooks.cursorMoved(this.seqs.cursor, true);
    }
    this.hooks.mirrorChanged({ keys, reset: frame.reset, devices: frame.devices !== undefined });
  }

  synced(seq: number): void {
    this.catchingUp = false;
    this.seqs.settle(seq);
    this.hooks.cursorMoved(this.seqs.cursor);
  }

  /** A durable event from the server (or rebuilt from our own accepted send). Duplicates are dropped. */
  event(event: NerveEvent): void {
    if (this.seqs.has(event.seq)) return;
    this.apply(event);
    this.seqs.mark(event.seq);
    this.hooks.cursorMoved(this.seqs.cursor);
    this.hooks.deliver(event);
  }

  /** The events of a catch-up's EVENTS frame, in order, each as if it came alone. */
  events(events: readonly NerveEvent[]): void {
    for (const event of events) this.event(event);
  }

  /**
   * Our own accepted message as the event it became (the server does not echo it to the sender).
   * A later event for the same key that got here first means our local order is wrong: resync.
   */
  own(type: EventType, data: unknown, seq: number, from: string, ts: number, at?: number): void {
    if (this.seqs.has(seq)) return;
    const key = stateKeyOf(type, data);
    if (key !== null && (this.mirror.versions[key] ?? 0) > seq) this.distrust();
    this.event({ type, seq, ts, ...(at !== undefined ? { at } : {}), data, from });
  }

  device(device: DeviceInfo): void {
    this.mirror = upsertDevice(this.mirror, device);
    this.hooks.mirrorChanged({ keys: [], reset: false, devices: true });
  }

  /** Some seq below the highest processed is missing (and we are live). */
  get gapOpen(): boolean {
    return !this.catchingUp && this.seqs.hasGap;
  }

  distrust(): void {
    this.needsFullState = true;
    this.hooks.needFullState();
  }

  private apply(event: NerveEvent): void {
    if (event.type === "STATE_REMOVED") {
      const removal = StateRemovedData.safeParse(event.data);
      if (!removal.success) return this.distrust();
      // A key written again after this removal (a seq above it) stays.
      const keys = removal.data.keys.filter((k) => k in this.mirror.state && (this.mirror.versions[k] ?? 0) < event.seq);
      if (!keys.length) return;
      this.mirror = removeKeys(this.mirror, keys);
      this.hooks.mirrorChanged({ keys, reset: false, devices: false });
      return;
    }
    const key = stateKeyOf(event.type, event.data);
    if (key === null) return;
    const next = reduce(event.type, this.mirror.state[key as keyof MirrorData["state"]], event.data, { ts: event.at ?? event.ts, from: event.from, seq: event.seq });
    if (next === UNKNOWN) return this.distrust();
    this.mirror = setValue(this.mirror, key, next, event.seq);
    this.hooks.mirrorChanged({ keys: [key], reset: false, devices: false });
  }
}
