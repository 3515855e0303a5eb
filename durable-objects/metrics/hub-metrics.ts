import type { MetricsAnswer } from "../../protocol/index.js";
import { hubPoint, refusalPoint, writePoints, type HubDeltas, type PointSink, type RefusalSource } from "../../common/analytics.js";
import { utf8Length } from "../events-frames.js";

/** The longest counts wait in memory once something is counted: past it, the next entry point writes them. */
export const METRICS_FLUSH_MS = 30_000;
/** Entry points that appended events between two writes of the counters' row. */
export const METRICS_FLUSH_WRITES = 10;

/** The additive counters (events in are the log's seq, kept by the log itself). */
interface Counters {
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

/** The stored row's counters: totals and the catch-up maxima (not additive). */
interface Stored extends Counters {
  catchUpMaxEvents: number;
  catchUpMaxBytes: number;
  catchUpMaxMs: number;
}

type Gauges = { openSockets: number; storageBytes: number };

/**
 * How `settle` reads the gauges. The storage size is a SQLite page count that costs as much as the
 * rest of a publish, so a point reuses the size read with the counters' row (at most 9 writes' or
 * 30 s old) and reads it only when the row is written or none was read yet on this instance.
 */
export interface GaugeReaders {
  openSockets(): number;
  storageBytes(): number;
}

const zero = (): Counters => ({
  eventsOut: 0, bytesIn: 0, bytesOut: 0, socketsOpened: 0, socketsClosed: 0, catchUps: 0, catchUpsResumed: 0,
  catchUpEvents: 0, catchUpBytes: 0, catchUpMs: 0, alarms: 0, wakes: 0, dedupClient: 0, dedupService: 0, refusals: {},
});

type Additive = Exclude<keyof Counters, "refusals">;
const ADDITIVE = Object.keys(zero()).filter((k) => k !== "refusals") as Additive[];

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
  /** The log's last seq when the hub woke: the first Analytics Engine point counts events from it. */
  lastSeq: number;
  now: number;
  /** Where `hub` and `refusal` points go; absent: nowhere. */
  sink?: PointSink;
}

/**
 * One hub's counters, kept in memory. Two things are written from them, by `settle` at the end of
 * each entry point:
 *
 * - Analytics Engine `hub` points with the deltas since the last point, from every entry point that
 *   appended events (and with every row write): the fleet's numbers miss nothing a write did, and a
 *   point costs nothing on the hub's SQLite. A refusal's point is written as it happens.
 * - The counters' row (`hub_metrics`), for the per-hub route: when the entry point wrote rows of
 *   its own anyway for a socket or an alarm, after METRICS_FLUSH_WRITES entry points that appended
 *   events, or once counts have waited METRICS_FLUSH_MS. An event append writes no counter row of
 *   its own: that would be one more row per write. An instance evicted between two rows loses the
 *   counts since the last (at most 9 writes' and 30 s' worth); `events.in` is the log's seq, never lost.
 */
export class HubMetrics implements SocketCounters {
  /** Counted since the counters' row was last written. */
  private unflushed = zero();
  /** Counted since the last Analytics Engine point. */
  private unreported = zero();
  private max = { events: 0, bytes: 0, ms: 0 };
  private stored: Stored | null = null;
  private loaded = false;
  private since: number | null = null;
  private flushedAt: number | null = null;
  /** The log seq the last Analytics Engine point counted events up to. */
  private reportedSeq: number;
  /** Counts that came with rows the hub wrote anyway (a socket, an alarm): written at once. */
  private urgent = false;
  private dirty = false;
  private writes = 0;
  private lastFlush: number;
  /** The storage size read with the last row (see GaugeReaders); null: not read on this instance. */
  private storageBytes: number | null = null;
  /** The last text measured and its UTF-8 size: a broadcast sends one text to every socket. */
  private lastText = "";
  private lastBytes = 0;

  constructor(private readonly o: HubMetricsOptions) {
    this.reportedSeq = o.lastSeq;
    this.lastFlush = o.now;
  }

  private add(field: Additive, n = 1): void {
    this.unflushed[field] += n;
    this.unreported[field] += n;
    this.dirty = true;
  }

  /** The constructor of the hub ran: it was woken (from hibernation, eviction, or for the first time). */
  woke(): void {
    this.add("wakes");
  }

  received(message: string | ArrayBuffer): void {
    this.add("bytesIn", typeof message === "string" ? utf8Length(message) : message.byteLength);
  }

  sent(text: string, frame: object | string): void {
    if (text !== this.lastText) {
      this.lastText = text;
      this.lastBytes = utf8Length(text);
    }
    this.add("bytesOut", this.lastBytes);
    // A refusal is an ERROR frame built for it; a remembered one replayed is text, and a dedup hit.
    if (typeof frame !== "string" && (frame as { type?: unknown }).type === "ERROR") this.refused(String((frame as { code?: unknown }).code), "client");
  }

  delivered(recipients: number): void {
    this.add("eventsOut", recipients);
  }

  opened(): void {
    this.add("socketsOpened");
    this.urgent = true;
  }

  closed(): void {
    this.add("socketsClosed");
    this.urgent = true;
  }

  /** A catch-up was queued: its events (also counted out), its bytes, and the hub time it took. */
  caughtUp(resumed: boolean, events: number, bytes: number, ms: number): void {
    this.add("catchUps");
    if (resumed) this.add("catchUpsResumed");
    this.add("catchUpEvents", events);
    this.add("eventsOut", events);
    this.add("catchUpBytes", bytes);
    this.add("catchUpMs", ms);
    this.max = { events: Math.max(this.max.events, events), bytes: Math.max(this.max.bytes, bytes), ms: Math.max(this.max.ms, ms) };
  }

  /** Bytes this instance has sent and not yet written: a catch-up's size is the difference across it. */
  get bytesOut(): number {
    return this.unflushed.bytesOut;
  }

  /** A refusal: counted, and its Analytics Engine point written now (the fleet view loses none). */
  refused(code: string, source: RefusalSource): void {
    for (const c of [this.unflushed, this.unreported]) c.refusals[code] = (c.refusals[code] ?? 0) + 1;
    this.dirty = true;
    writePoints(this.o.sink, [refusalPoint(this.o.userId, code, source)]);
  }

  dedupHit(kind: "client" | "service", n = 1): void {
    this.add(kind === "client" ? "dedupClient" : "dedupService", n);
  }

  alarmRan(): void {
    this.add("alarms");
    this.urgent = true;
  }

  /** The end of an entry point: writes a point when it appended events, and the row when due (see the class). */
  settle(now: number, lastSeq: number, gauges: GaugeReaders): void {
    const appended = lastSeq > this.reportedSeq;
    if (appended) this.writes++;
    const due = this.urgent || this.writes >= METRICS_FLUSH_WRITES || (this.dirty && now - this.lastFlush >= METRICS_FLUSH_MS);
    if (due) this.flush(now, lastSeq, { openSockets: gauges.openSockets(), storageBytes: (this.storageBytes = gauges.storageBytes()) });
    else if (appended) this.report(lastSeq, { openSockets: gauges.openSockets(), storageBytes: (this.storageBytes ??= gauges.storageBytes()) });
  }

  /** Writes the counters' row now, and the point of what is not yet reported. */
  flush(now: number, lastSeq: number, gauges: Gauges): void {
    const total = this.total();
    this.o.sql.exec(
      "INSERT INTO hub_metrics (id, since, flushed_at, counters) VALUES (1, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET flushed_at = excluded.flushed_at, counters = excluded.counters",
      this.since ?? now, now, JSON.stringify(total),
    );
    this.report(lastSeq, gauges);
    this.stored = total;
    this.since ??= now;
    this.flushedAt = now;
    this.unflushed = zero();
    this.max = { events: 0, bytes: 0, ms: 0 };
    this.urgent = this.dirty = false;
    this.writes = 0;
    this.lastFlush = now;
  }

  /** Everything counted: stored totals plus this instance's counts, with the gauges read now. */
  read(userId: string, now: number, lastSeq: number, gauges: Gauges): MetricsAnswer {
    const t = this.total();
    return {
      userId, since: this.since ?? now, now, flushedAt: this.flushedAt,
      events: { in: lastSeq, out: t.eventsOut },
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

  /** The `hub` point of what was counted since the last one; events in are the seq's advance. */
  private report(lastSeq: number, gauges: Gauges): void {
    const u = this.unreported;
    const d: HubDeltas = {
      eventsIn: Math.max(0, lastSeq - this.reportedSeq), eventsOut: u.eventsOut, bytesIn: u.bytesIn, bytesOut: u.bytesOut,
      catchUps: u.catchUps, catchUpEvents: u.catchUpEvents, catchUpBytes: u.catchUpBytes, catchUpMs: u.catchUpMs,
      dedupHits: u.dedupClient + u.dedupService, refusals: Object.values(u.refusals).reduce((a, b) => a + b, 0),
      alarms: u.alarms, wakes: u.wakes, socketsOpened: u.socketsOpened, socketsClosed: u.socketsClosed,
    };
    writePoints(this.o.sink, [hubPoint(this.o.userId, d, gauges)]);
    this.unreported = zero();
    this.reportedSeq = lastSeq;
  }

  private load(): Stored | null {
    if (!this.loaded) {
      this.loaded = true;
      const row = this.o.sql.exec<{ since: number; flushed_at: number; counters: string }>("SELECT since, flushed_at, counters FROM hub_metrics WHERE id = 1").toArray()[0];
      if (row) {
        this.stored = { ...zero(), catchUpMaxEvents: 0, catchUpMaxBytes: 0, catchUpMaxMs: 0, ...(JSON.parse(row.counters) as Partial<Stored>) };
        this.since = row.since;
        this.flushedAt = row.flushed_at;
      }
    }
    return this.stored;
  }

  private total(): Stored {
    const s = this.load();
    const u = this.unflushed;
    const out: Stored = {
      ...zero(),
      catchUpMaxEvents: Math.max(s?.catchUpMaxEvents ?? 0, this.max.events),
      catchUpMaxBytes: Math.max(s?.catchUpMaxBytes ?? 0, this.max.bytes),
      catchUpMaxMs: Math.max(s?.catchUpMaxMs ?? 0, this.max.ms),
      refusals: { ...(s?.refusals ?? {}) },
    };
    for (const k of ADDITIVE) out[k] = (s?.[k] ?? 0) + u[k];
    for (const [code, n] of Object.entries(u.refusals)) out.refusals[code] = (out.refusals[code] ?? 0) + n;
    return out;
  }
}
