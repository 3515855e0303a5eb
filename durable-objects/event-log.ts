import type { EventType, NerveEvent } from "../protocol/index.js";
import { readMeta, writeMeta } from "./schema.js";

interface EventRow extends Record<string, SqlStorageValue> {
  seq: number;
  type: string;
  ts: number;
  data: string;
  from_id: string;
  state_key: string | null;
}

/** An appended event with its wire JSON: the exact text of its live frame. */
export interface Appended {
  event: NerveEvent;
  wire: string;
}

/** An event's frame text as the log keeps it: the type (for topic filters) and its wire JSON. */
export interface WireRow {
  type: EventType;
  wire: string;
}

function toEvent(row: EventRow): NerveEvent {
  return { type: row.type as EventType, seq: row.seq, ts: row.ts, data: JSON.parse(row.data), from: row.from_id };
}

/**
 * The wire JSON of an event from the JSON of its data: the same text, key for key, as
 * `JSON.stringify({type, seq, ts, data, from})`, with the data serialized once for row and frame.
 */
export function wireOf(type: EventType, seq: number, ts: number, dataJson: string, from: string, at?: number): string {
  return `{"type":${JSON.stringify(type)},"seq":${seq},"ts":${ts},${at !== undefined ? `"at":${at},` : ""}"data":${dataJson},"from":${JSON.stringify(from)}}`;
}

/**
 * The per-user durable event log. `seq` starts at 1 and grows by exactly 1 per event. The latest
 * seq is the highest row's, read when the log opens; when pruning took every row, `pruned_through`
 * in `_meta` (which is the latest seq then) keeps it, so a seq is never reused. Appends write no
 * counter row. Callers append inside a transaction.
 */
export class EventLog {
  private last: number;
  private prunedThrough: number;
  /** Names this history: a new log (a new hub, an erased user) gets a new one. */
  readonly epoch: string;

  constructor(private readonly sql: SqlStorage) {
    this.prunedThrough = readMeta(sql, "pruned_through");
    this.last = this.readLast();
    this.epoch = sql.exec<{ epoch: string }>("SELECT epoch FROM log_epoch WHERE id = 1").toArray()[0]?.epoch ?? this.newEpoch();
  }

  /** 32 hex characters of randomness, written once, when the log is created. */
  private newEpoch(): string {
    const epoch = crypto.randomUUID().replaceAll("-", "");
    this.sql.exec("INSERT INTO log_epoch (id, epoch, created_at) VALUES (1, ?, ?)", epoch, Date.now());
    return epoch;
  }

  /** The highest row, else the pruned-through seq; `last_seq` is what versions before schema 4 kept per append. */
  private readLast(): number {
    const top = this.sql.exec<{ s: number | null }>("SELECT MAX(seq) AS s FROM events").one().s ?? 0;
    return Math.max(top, this.prunedThrough, readMeta(this.sql, "last_seq"));
  }

  /** The latest seq (0 when the log is empty). */
  get lastSeq(): number {
    return this.last;
  }

  /** Every event with seq <= this has been pruned. */
  get prunedThroughSeq(): number {
    return this.prunedThrough;
  }

  /**
   * Whether the log still holds every event after `since`, so a client can resume from it. A cursor
   * from another history (its `epoch` differs) never resumes; without an epoch, the seq alone decides.
   */
  canResumeFrom(since: number, epoch?: string): boolean {
    return (epoch === undefined || epoch === this.epoch) && since >= this.prunedThrough && since <= this.last;
  }

  /** Appends one event and returns it with its wire JSON. Call inside `transactionSync` with the state write. */
  append(type: EventType, data: unknown, from: string, stateKey: string | null, ts: number, at?: number): Appended {
    const seq = this.last + 1;
    const dataJson = JSON.stringify(data);
    const wire = wireOf(type, seq, ts, dataJson, from, at);
    this.sql.exec("INSERT INTO events (seq, type, ts, data, from_id, state_key, wire) VALUES (?, ?, ?, ?, ?, ?, ?)",
      seq, type, ts, dataJson, from, stateKey, wire);
    this.last = seq;
    return { event: { type, seq, ts, ...(at !== undefined ? { at } : {}), data, from }, wire };
  }

  /** Undo the in-memory seq after a rolled-back transaction. */
  reload(): void {
    this.prunedThrough = readMeta(this.sql, "pruned_through");
    this.last = this.readLast();
  }

  /** Events with seq > since, in order, at most `limit`. */
  after(since: number, limit: number): NerveEvent[] {
    return this.sql.exec<EventRow>("SELECT * FROM events WHERE seq > ? ORDER BY seq LIMIT ?", since, limit).toArray().map(toEvent);
  }

  /**
   * Events with seq > since, in order: at most `limit`, and no more once `maxBytes` of event data
   * are read (always at least one). Rows are read one at a time, so a page of large events never
   * loads more than it returns. `hasMore`: an event follows the page.
   */
  page(since: number, limit: number, maxBytes: number): { events: NerveEvent[]; hasMore: boolean } {
    const cursor = this.sql.exec<EventRow>("SELECT * FROM events WHERE seq > ? ORDER BY seq LIMIT ?", since, limit + 1);
    const events: NerveEvent[] = [];
    let bytes = 0;
    for (const row of cursor) {
      const size = row.data.length + row.type.length + row.from_id.length + 64;
      if (events.length === limit || (events.length > 0 && bytes + size > maxBytes)) return { events, hasMore: true };
      events.push(toEvent(row));
      bytes += size;
    }
    return { events, hasMore: false };
  }

  /**
   * The wire JSON of the non-state events (messages such as PROMPT_CHANGE) with seq > since, in order: the stored text, or for a row
   * from before schema 4, the same text built from its columns.
   */
  messageWiresAfter(since: number): WireRow[] {
    // Two columns, read as arrays (raw): a catch-up of 10,000 rows builds no row objects and copies
    // no columns it does not send. Rows written before the wire column have none; those are rebuilt.
    const out: WireRow[] = [];
    let legacy = false;
    for (const [type, wire] of this.sql.exec<{ type: string; wire: string | null }>(
      "SELECT type, wire FROM events WHERE seq > ? AND state_key IS NULL ORDER BY seq", since,
    ).raw()) {
      if (wire === null) legacy = true;
      out.push({ type: type as EventType, wire: wire as string });
    }
    if (!legacy) return out;
    return this.sql.exec<{ seq: number; type: string; ts: number; data: string; from_id: string; wire: string | null }>(
      "SELECT seq, type, ts, data, from_id, wire FROM events WHERE seq > ? AND state_key IS NULL ORDER BY seq", since,
    ).toArray().map((r) => ({ type: r.type as EventType, wire: r.wire ?? wireOf(r.type as EventType, r.seq, r.ts, r.data, r.from_id) }));
  }

  /** Events of the given types in [fromTs, toTs), seq > afterSeq, in order, at most `limit`. */
  ofTypesBetween(types: readonly EventType[], fromTs: number, toTs: number, afterSeq: number, limit: number): NerveEvent[] {
    const marks = types.map(() => "?").join(",");
    return this.sql.exec<EventRow>(
      `SELECT * FROM events WHERE seq > ? AND ts >= ? AND ts < ? AND type IN (${marks}) ORDER BY seq LIMIT ?`,
      afterSeq, fromTs, toTs, ...types, limit,
    ).toArray().map(toEvent);
  }

  /** How many events there are now. */
  count(): number {
    return this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM events").one().n;
  }

  /** The timestamp of the oldest retained event, or null. */
  oldestTs(): number | null {
    return this.sql.exec<{ ts: number }>("SELECT ts FROM events ORDER BY seq LIMIT 1").toArray()[0]?.ts ?? null;
  }

  /**
   * Deletes events beyond retention: older than `minTs`, or more than `keep` behind the latest.
   * Returns how many went. Runs in one statement per rule; the caller bounds how often.
   */
  prune(minTs: number, keep: number): number {
    const floorByCount = this.last - keep;
    const floorByAge = this.sql.exec<{ s: number | null }>("SELECT MAX(seq) AS s FROM events WHERE ts < ?", minTs).one().s ?? 0;
    const through = Math.max(floorByCount, floorByAge, this.prunedThrough);
    if (through <= this.prunedThrough) return 0;
    const removed = this.sql.exec("DELETE FROM events WHERE seq <= ?", through).rowsWritten;
    writeMeta(this.sql, "pruned_through", through);
    this.prunedThrough = through;
    return removed;
  }
}
