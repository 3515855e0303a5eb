import { EVENT_TOPIC, TOPICS, type Topic } from "../../protocol/index.js";
import type { ConnectParams } from "../../common/hub-rpc.js";
import { wants, type Attachment } from "../connection.js";
import type { DeviceRegistry } from "../devices.js";
import type { EventLog } from "../event-log.js";
import type { Sockets } from "../sockets.js";
import type { RawEntry, StateStore } from "../state-store.js";
import { stateParts } from "./state-parts.js";
import { eventsFrames } from "../events-frames.js";


/** Whether every topic of `wanted` (null: every topic) was in `had`. */
function covers(had: readonly Topic[], wanted: readonly Topic[] | null): boolean {
  return (wanted ?? TOPICS).every((t) => had.includes(t));
}

/**
 * What a connection gets before live events: WELCOME, then STATE (the changed keys, critical
 * first; or the whole state on a reset), then the missed messages in seq order, then SYNCED.
 */
export class CatchUp {
  constructor(
    private readonly log: EventLog,
    private readonly store: StateStore,
    private readonly devices: DeviceRegistry,
    private readonly sockets: Sockets,
    private readonly heartbeatMs: number,
    private readonly maxServerFrameBytes: number,
    private readonly reconnectSpreadMs?: number,
  ) {}

  /**
   * Whether a connect may resume from its cursor. Not when the cursor is from another epoch, is no
   * longer covered by the log, or was earned with fewer topics than the connection now asks for
   * (the older state of an added topic was never sent to it). Read before the device is recorded.
   */
  canResume(p: Pick<ConnectParams, "since" | "epoch" | "topics">, deviceId: string): p is typeof p & { since: number } {
    if (p.since === undefined || !this.log.canResumeFrom(p.since, p.epoch)) return false;
    const had = this.devices.topicsOf(deviceId);
    return had === undefined || covers(had, p.topics);
  }

  /**
   * With `batch=1` (`a.batch`) the missed messages come in EVENTS frames.
   * Returns how many missed events it sent (for the hub's counters).
   */
  send(ws: WebSocket, a: Attachment, since: number | null, now: number): number {
    const resumed = since !== null;
    const seq = this.log.lastSeq;
    let replayed = 0;
    this.sockets.send(ws, { type: "WELCOME", userId: a.userId, deviceId: a.deviceId, seq, serverTime: now, heartbeatMs: this.heartbeatMs, resumed, epoch: this.log.epoch, reconnectSpreadMs: this.reconnectSpreadMs });
    for (const part of this.stateFrames(a, since ?? 0, !resumed, now)) this.sockets.send(ws, part);
    if (resumed) {
      // The stored wire JSON, sent as is: no parse and stringify per event.
      const wires = this.log.messageWiresAfter(since).filter((r) => wants(a, EVENT_TOPIC[r.type])).map((r) => r.wire);
      for (const frame of a.batch ? eventsFrames(wires, this.maxServerFrameBytes) : wires) this.sockets.send(ws, frame);
      replayed = wires.length;
    }
    this.sockets.send(ws, { type: "SYNCED", seq });
    return replayed;
  }

  /** The whole state as stored, kept while the seq stands: devices connecting together read it once. */
  private full: { seq: number; topics: string; entries: RawEntry[] } | null = null;

  private fullState(topics: Attachment["topics"]): RawEntry[] {
    const key = topics ? [...topics].sort().join(",") : "*";
    if (this.full?.seq !== this.log.lastSeq || this.full.topics !== key) {
      this.full = { seq: this.log.lastSeq, topics: key, entries: this.store.rawChangedSince(0, topics ? new Set(topics) : undefined) };
    }
    return this.full.entries;
  }

  /**
   * The STATE frames (one, or parts of at most MAX_SERVER_FRAME_BYTES) with the keys changed after
   * `since` that the connection's topics cover, the keys removed since (resumed only), and the
   * devices, with presence.
   */
  stateFrames(a: Attachment, since: number, reset: boolean, now: number): string[] {
    const topics = a.topics ? new Set(a.topics) : undefined;
    return stateParts({
      seq: this.log.lastSeq,
      entries: since === 0 ? this.fullState(a.topics) : this.store.rawChangedSince(since, topics),
      removed: reset ? [] : this.store.removedSince(since, topics),
      reset,
      devicesJson: wants(a, "presence") ? JSON.stringify(this.sockets.deviceList(now)) : undefined,
    }, this.maxServerFrameBytes);
  }
}
