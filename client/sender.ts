import { STATE_UPDATE_TYPES } from "../protocol/index.js";
import type { Outbox } from "./outbox.js";
import { Pacer } from "./pacer.js";

/** Coalesces several reasons to resync into one STATE_SYNC. */
const SYNC_DEBOUNCE_MS = 100;

export interface SenderOptions {
  outbox: Outbox;
  messagesPerMinute: number;
  ackIntervalMs: number;
  /** Writes a text frame to the open socket; false when there is none. */
  write: (text: string) => boolean;
  /** Whether the connection is live (after SYNCED): nothing but pings goes out before. */
  live: () => boolean;
  /** Whether the mirror needs a full STATE. */
  wantsFullState: () => boolean;
  /** The cursor to acknowledge. */
  cursor: () => number;
}

/**
 * Everything the client sends besides pings, paced under the server's per-user budget: a wanted
 * STATE_SYNC first, then the outbox in order, and a debounced cumulative ACK.
 */
export class Sender {
  private readonly pacer: Pacer;
  private syncInFlight = false;
  private syncTimer: ReturnType<typeof setTimeout> | null = null;
  private drainTimer: ReturnType<typeof setTimeout> | null = null;
  private ackTimer: ReturnType<typeof setInterval> | null = null;
  private ackedSeq = 0;

  constructor(private readonly o: SenderOptions) {
    this.pacer = new Pacer(o.messagesPerMinute);
  }

  /** The connection is live: start acknowledging and send what waits. */
  start(): void {
    this.stop();
    this.ackTimer = setInterval(() => this.ack(), this.o.ackIntervalMs);
    this.drain();
  }

  /** The connection went: a STATE_SYNC in flight is lost with it. */
  stop(): void {
    if (this.drainTimer) clearTimeout(this.drainTimer);
    if (this.ackTimer) clearInterval(this.ackTimer);
    this.drainTimer = this.ackTimer = null;
    this.syncInFlight = false;
  }

  /** Stops for good (close). */
  dispose(): void {
    this.stop();
    if (this.syncTimer) clearTimeout(this.syncTimer);
    this.syncTimer = null;
  }

  /** A new user's cursor: nothing of it is acknowledged yet beyond what was persisted. */
  resetAck(seq: number): void {
    this.ackedSeq = seq;
  }

  /** Asks for a full STATE soon (coalescing several reasons into one frame). */
  requestSync(): void {
    if (this.syncTimer || this.syncInFlight) return;
    this.syncTimer = setTimeout(() => {
      this.syncTimer = null;
      this.drain();
    }, SYNC_DEBOUNCE_MS);
  }

  /** A full STATE arrived: the STATE_SYNC (if any) is answered. */
  syncAnswered(): void {
    this.syncInFlight = false;
  }

  /**
   * The server said RATE_LIMITED: its per-user bucket is empty. Nothing goes out for `ms`, then
   * frames go at the refill rate. The server sends this refusal without the message's id (it
   * refuses before reading the frame), so the client cannot tell which frame it was: every
   * unanswered message goes again, which the server's per-device id dedup makes safe, and a
   * STATE_SYNC in flight is asked again.
   */
  rateLimited(ms: number): void {
    this.pacer.exhaust();
    this.pacer.pauseFor(ms);
    this.o.outbox.unsendAll(false);
    this.syncInFlight = false;
    this.scheduleDrain();
  }

  /** Sends what is waiting, as far as the pacer allows. */
  drain(): void {
    if (!this.o.live()) return;
    for (;;) {
      const wantSync = this.o.wantsFullState() && !this.syncInFlight && this.syncTimer === null;
      const entry = wantSync ? undefined : this.o.outbox.nextUnsent();
      if (!wantSync && !entry) return;
      if (!this.pacer.take()) return this.scheduleDrain();
      if (wantSync) {
        if (!this.o.write(JSON.stringify({ type: "STATE_SYNC" }))) return;
        this.syncInFlight = true;
        continue;
      }
      const e = entry!;
      const guard = e.baseVersion !== undefined && (e.auto === undefined || e.guarded === true);
      // A state edit says when the user made it: an edit queued offline is stamped with that time, not its arrival.
      const at = STATE_UPDATE_TYPES.has(e.type) ? { at: e.createdAt } : {};
      if (!this.o.write(JSON.stringify({ type: e.type, id: e.id, ...(guard ? { baseVersion: e.baseVersion } : {}), ...at, data: e.data }))) return;
      this.o.outbox.markSent(e.id);
    }
  }

  private scheduleDrain(): void {
    if (this.drainTimer) return;
    this.drainTimer = setTimeout(() => {
      this.drainTimer = null;
      this.drain();
    }, Math.max(10, this.pacer.waitMs()));
  }

  private ack(): void {
    const seq = this.o.cursor();
    if (seq <= this.ackedSeq || !this.o.live() || !this.pacer.take()) return;
    if (this.o.write(JSON.stringify({ type: "ACK", data: { seq } }))) this.ackedSeq = seq;
  }
}
