import type { MetricsAnswer } from "../../protocol/index.js";
import { hubPoint, refusalPoint, writePoints, type DataPoint, type HubDeltas, type PointSink, type RefusalSource } from "../../common/analytics.js";
import { utf8Length } from "../hub/catch-up.js";

/**
 * The longest an instance holds counts that no write of its own would flush: past it, the next
 * entry point writes them. See `settle` for what is flushed at once.
 */
export const METRICS_FLUSH_MS = 30_000;

/** The additive counters; kept as one JSON row (one row written per flush, whatever moved). */
interface Counters {
  eventsIn: number;
  eventsOut: number;
  bytesIn: number;
  bytesOut: number;
  socketsOpened: number;
  socketsClosed: number;
  catchUps: number;
  catchUpsResumed: number;
  catchUpEvents: number;
  catchUpBytes: number;
  catchUpMs: number;
  alarms: number;
  wakes: number;
  dedupClient: number;
  dedupService: number;
  refusals: Record<string, number>;
}

/** The stored row: totals, the maxima (not additive), and the log seq the events count has reached. */
interface Stored extends Counters {
  catchUpMaxEvents: number;
  catchUpMaxBytes: number;
  catchUpMaxMs: number;
  seq: number;
}

const zero = (): Counters => ({
  eventsIn: 0, eventsOut: 0, bytesIn: 0, bytesOut: 0, socketsOpened: 0, socketsClosed: 0, catchUps: 0, catchUpsResumed: 0,
  catchUpEvents: 0, catchUpBytes: 0, catchUpMs: 0, alarms: 0, wakes: 0, dedupClient: 0, dedupService: 0, refusals: {},
});

/** What `Sockets` reports: every frame sent, each broadcast's recipients, and each connection counted gone. */
export interface SocketCounters {
  sent(text: string, frame: object | string): void;
  delivered(recipients: number): void;
  closed(): void;
}

export interface HubMetricsOptions {
  sql: SqlStorage;
  /** The user, for Analytics Engine points. */
  userId: string;
  /** The log's last seq now: events appended from here on are counted in. */
  lastSeq: number;
  now: number;
  /** Where `hub` and `refusal` points go; absent: nowhere. */
  sink?: PointSink;
  flushMs?: number;
}

/**
 * One hub's counters. They are kept in memory and written as one row (and one Analytics Engine
 * `hub` point with the deltas; refusals have their own points, written as they happen) by `settle`
 * at the end of an entry point: at once when the entry point
 * wrote anyway (an event appended, a socket opened or gone, an alarm run; these already write
 * several rows, so the counters add one), else at most once per METRICS_FLUSH_MS. An instance
 * evicted before its next flush loses only counts of the second kind (refused or replayed frames,
 * ACK and PING, reads) from its last METRICS_FLUSH_MS.
 *
 * Events in need no hook on the write path: they are the advance of the log's seq.
 */
export class HubMetrics implements SocketCounters {
  private live = zero();
  private max = { events: 0, bytes: 0, ms: 0 };
  private stored: Stored | null = null;
  private since: number | null = null;
  private flushedAt: number | null = null;
  private seenSeq: number;
  /** Counts that came with a write of the hub's own: flushed at the end of the entry point. */
  private urgent = false;
  private dirty = false;
  private lastFlush: number;
  private readonly flushMs: number;
  /** The last text measured and its UTF-8 size: a broadcast sends one text to every socket. */
  private lastText = "";
  private lastBytes = 0;

  constructor(private readonly o: HubMetricsOptions) {
    this.seenSeq = o.lastSeq;
    this.lastFlush = o.now;
    this.flushMs = o.flushMs ?? METRICS_FLUSH_MS;
  }

  /** The constructor of the hub ran: it was woken (from hibernation, eviction, or for the first time). */
  woke(): void {
    this.live.wakes++;
    this.dirty = true;
  }

  received(message: string | ArrayBuffer): void {
    this.live.bytesIn += typeof message === "string" ? utf8Length(message) : message.byteLength;
    this.dirty = true;
  }

  sent(text: string, frame: object | string): void {
    if (text !== this.lastText) {
      this.lastText = text;
      this.lastBytes = utf8Length(text);
    }
    this.live.bytesOut += this.lastBytes;
    this.dirty = true;
    // A refusal is an ERROR frame built for it; a remembered one replayed is text, and a dedup hit.
    if (typeof frame !== "string" && (frame as { type?: unknown }).type === "ERROR") this.refused(String((frame as { code?: unknown }).code), "client");
  }

  delivered(recipients: number): void {
    this.live.eventsOut += recipients;
    this.dirty = true;
  }

  opened(): void {
    this.live.socketsOpened++;
    this.urgent = true;
  }

  closed(): void {
    this.live.socketsClosed++;
    this.urgent = true;
  }

  /** A catch-up was queued: its events (also counted out), its bytes, and the hub time it took. */
  caughtUp(resumed: boolean, events: number, bytes: number, ms: number): void {
    const l = this.live;
    l.catchUps++;
    if (resumed) l.catchUpsResumed++;
    l.catchUpEvents += events;
    l.eventsOut += events;
    l.catchUpBytes += bytes;
    l.catchUpMs += ms;
    this.dirty = true;
    this.max = { events: Math.max(this.max.events, events), bytes: Math.max(this.max.bytes, bytes), ms: Math.max(this.max.ms, ms) };
  }

  /** Bytes sent so far by this instance: the catch-up's size is the difference across it. */
  get bytesOut(): number {
    return this.live.bytesOut;
  }

  /**
   * A refusal: counted here (flushed with the rest), and its Analytics Engine point written now, so
   * that the fleet's "refusals by code" loses none to an eviction before the next flush.
   */
  refused(code: string, source: RefusalSource): void {
    this.live.refusals[code] = (this.live.refusals[code] ?? 0) + 1;
    this.dirty = true;
    writePoints(this.o.sink, [refusalPoint(this.o.userId, code, source)]);
  }

  dedupHit(kind: "client" | "service", n = 1): void {
    if (kind === "client") this.live.dedupClient += n;
    else this.live.dedupService += n;
    this.dirty = true;
  }

  alarmRan(): void {
    this.live.alarms++;
    this.urgent = true;
  }

  /**
   * The end of an entry point: flushes when it wrote anyway (events appended, a socket opened or
   * gone, an alarm) or when counts have waited METRICS_FLUSH_MS.
   */
  settle(now: number, lastSeq: number, gauges: () => { openSockets: number; storageBytes: number }): void {
    this.absorb(lastSeq);
    if (this.urgent || (this.dirty && now - this.lastFlush >= this.flushMs)) this.flush(now, gauges());
  }

  /** Writes the counters now, with their Analytics Engine points. */
  flush(now: number, gauges: { openSockets: number; storageBytes: number }): void {
    const total = this.total();
    this.o.sql.exec(
      "INSERT INTO hub_metrics (id, since, flushed_at, counters) VALUES (1, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET flushed_at = excluded.flushed_at, counters = excluded.counters",
      this.since ?? now, now, JSON.stringify(total),
    );
    writePoints(this.o.sink, [this.point(gauges)]);
    this.stored = total;
    this.since ??= now;
    this.flushedAt = now;
    this.live = zero();
    this.max = { events: 0, bytes: 0, ms: 0 };
    this.urgent = this.dirty = false;
    this.lastFlush = now;
  }

  /** Everything counted: stored totals plus this instance's counts, with the gauges read now. */
  read(userId: string, now: number, lastSeq: number, gauges: { openSockets: number; storageBytes: number }): MetricsAnswer {
    this.absorb(lastSeq);
    const t = this.total();
    return {
      userId, since: this.since ?? now, now, flushedAt: this.flushedAt,
      events: { in: t.eventsIn, out: t.eventsOut },
      bytes: { in: t.bytesIn, out: t.bytesOut },
      sockets: { open: gauges.openSockets, opened: t.socketsOpened, closed: t.socketsClosed },
      catchUp: {
        count: t.catchUps, resumed: t.catchUpsResumed, events: t.catchUpEvents, bytes: t.catchUpBytes,
        maxEvents: t.catchUpMaxEvents, maxBytes: t.catchUpMaxBytes, totalMs: t.catchUpMs, maxMs: t.catchUpMaxMs,
      },
      refusals: t.refusals,
      alarms: t.alarms,
      wakes: t.wakes,
      dedupHits: { client: t.dedupClient, service: t.dedupService },
      storageBytes: gauges.storageBytes,
    };
  }

  /** Events appended since the last look: the log's seq moved (it never moves back within an epoch). */
  private absorb(lastSeq: number): void {
    if (lastSeq <= this.seenSeq) return;
    this.live.eventsIn += lastSeq - this.seenSeq;
    this.seenSeq = lastSeq;
    this.urgent = true;
  }

  private load(): Stored | null {
    if (this.stored === null) {
      const row = this.o.sql.exec<{ since: number; flushed_at: number; counters: string }>("SELECT since, flushed_at, counters FROM hub_metrics WHERE id = 1").toArray()[0];
      if (row) {
        this.stored = { ...zero(), catchUpMaxEvents: 0, catchUpMaxBytes: 0, catchUpMaxMs: 0, seq: 0, ...(JSON.parse(row.counters) as Partial<Stored>) };
        this.since = row.since;
        this.flushedAt = row.flushed_at;
      }
    }
    return this.stored;
  }

  private total(): Stored {
    const s = this.load();
    const l = this.live;
    const refusals = { ...(s?.refusals ?? {}) };
    for (const [code, n] of Object.entries(l.refusals)) refusals[code] = (refusals[code] ?? 0) + n;
    const sum = Object.fromEntries(Object.entries(l).filter(([k]) => k !== "refusals").map(([k, v]) => [k, (v as number) + ((s?.[k as keyof Counters] as number | undefined) ?? 0)]));
    return {
      ...(sum as unknown as Counters), refusals, seq: this.seenSeq,
      catchUpMaxEvents: Math.max(s?.catchUpMaxEvents ?? 0, this.max.events),
      catchUpMaxBytes: Math.max(s?.catchUpMaxBytes ?? 0, this.max.bytes),
      catchUpMaxMs: Math.max(s?.catchUpMaxMs ?? 0, this.max.ms),
    };
  }

  private point(gauges: { openSockets: number; storageBytes: number }): DataPoint {
    const l = this.live;
    const refusals = Object.values(l.refusals).reduce((a, b) => a + b, 0);
    const d: HubDeltas = {
      eventsIn: l.eventsIn, eventsOut: l.eventsOut, bytesIn: l.bytesIn, bytesOut: l.bytesOut, catchUps: l.catchUps,
      catchUpEvents: l.catchUpEvents, catchUpBytes: l.catchUpBytes, catchUpMs: l.catchUpMs, dedupHits: l.dedupClient + l.dedupService,
      refusals, alarms: l.alarms, wakes: l.wakes, socketsOpened: l.socketsOpened, socketsClosed: l.socketsClosed,
    };
    return hubPoint(this.o.userId, d, gauges);
  }
}
