import { CRITICAL_KEYS, topicOfStateKey, type Topic } from "../protocol/index.js";
import { utf8Length } from "./events-frames.js";

interface StateRow extends Record<string, SqlStorageValue> {
  key: string;
  value: string;
  version: number;
}

export interface StateEntry {
  value: unknown;
  /** The seq of the event that wrote this version. */
  version: number;
  /** What the entry adds to the serialized state (`entryBytes`). */
  bytes: number;
}

/** A state row as stored: the value is JSON text, sent on as it is. */
export interface RawEntry {
  key: string;
  value: string;
  version: number;
}

/** What one entry adds to the serialized state: `"key":value,`. */
export const entryBytes = (key: string, json: string) => utf8Length(key) + utf8Length(json) + 4;

const SHOOTS_FROM = "shoots.";
const SHOOTS_TO = "shoots/"; // the next code point after "."

/** Critical keys first (limbic, convergence, posture), then the rest by key. */
function criticalFirst(a: string, b: string): number {
  const ia = (CRITICAL_KEYS as readonly string[]).indexOf(a);
  const ib = (CRITICAL_KEYS as readonly string[]).indexOf(b);
  if (ia !== ib) return (ia === -1 ? 99 : ia) - (ib === -1 ? 99 : ib);
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Rows a write may read without SQLite (see `StateStore`): more than the keys a user moves at once. */
export const ROW_CACHE_ENTRIES = 64;
/**
 * And at most this much JSON text. Many hubs share an isolate's 128 MB, so a hub keeps little: a
 * thousand awake hubs at this bound hold 32 MB. A larger value is read from SQLite each time.
 */
export const ROW_CACHE_CHARS = 32 * 1024;

/** A row as the store last read or wrote it; null: no such key. */
type CachedRow = { json: string; version: number } | null;

/** SQL for an entry's `entryBytes`, from the stored row. */
const ROW_BYTES = "LENGTH(CAST(key AS BLOB)) + LENGTH(CAST(value AS BLOB)) + 4";

/**
 * The user's state: one JSON value per key, versioned by the seq that last wrote it.
 *
 * The byte total (what MAX_STATE_BYTES bounds) is kept in memory: summed from the rows the first
 * time it is needed after the hub opens (the state is bounded, so the sum is cheap), then moved by
 * each write with the sizes the write already knows. No counter row is written per write: a row
 * written costs a thousand rows read.
 *
 * The rows last read or written are kept too (their JSON text, bounded by ROW_CACHE_ENTRIES and
 * ROW_CACHE_CHARS, least recently used out first): the state read of a write was the dearest
 * statement of a publish, dearer than its append. Every write of the table goes through this
 * class, so a kept row is the stored row; a rolled-back transaction drops them all (`reload`).
 * The text is kept, not the parsed value, so that no caller can change a kept row by mutating
 * what `get` returned.
 */
export class StateStore {
  private total: number | null = null;
  private readonly rows = new Map<string, CachedRow>();
  private rowChars = 0;

  constructor(private readonly sql: SqlStorage) {}

  get(key: string): StateEntry | undefined {
    const row = this.row(key);
    return row ? { value: JSON.parse(row.json), version: row.version, bytes: entryBytes(key, row.json) } : undefined;
  }

  /** The version of a key: 0 when it has never been written. */
  versionOf(key: string): number {
    return this.row(key)?.version ?? 0;
  }

  private row(key: string): CachedRow {
    const kept = this.rows.get(key);
    if (kept !== undefined) {
      // Least recently used goes first: a read moves the key to the end of the map's order.
      this.rows.delete(key);
      this.rows.set(key, kept);
      return kept;
    }
    const row = this.sql.exec<StateRow>("SELECT value, version FROM state WHERE key = ?", key).toArray()[0];
    return this.keep(key, row ? { json: row.value, version: row.version } : null);
  }

  private keep(key: string, row: CachedRow): CachedRow {
    this.forget(key);
    this.rows.set(key, row);
    this.rowChars += key.length + (row?.json.length ?? 0);
    for (const [old] of this.rows) {
      if (this.rows.size <= ROW_CACHE_ENTRIES && this.rowChars <= ROW_CACHE_CHARS) break;
      this.forget(old);
    }
    return row;
  }

  private forget(key: string): void {
    const kept = this.rows.get(key);
    if (kept === undefined) return;
    this.rows.delete(key);
    this.rowChars -= key.length + (kept?.json.length ?? 0);
  }

  /**
   * Writes a key's value (serialized) and keeps the state's byte total. `finishedAt`: when a shoot finished
   * (null while it runs and for other keys). `previous`: the bytes of the value it replaces, as
   * `get` gave them (0 for a new key). Returns the entry's size in bytes.
   */
  setJson(key: string, json: string, version: number, now: number, finishedAt: number | null, previous: number): number {
    const bytes = entryBytes(key, json);
    this.sql.exec(
      "INSERT INTO state (key, value, version, updated_at, finished_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value, version = excluded.version, updated_at = excluded.updated_at, finished_at = excluded.finished_at",
      key, json, version, now, finishedAt,
    );
    this.keep(key, { json, version });
    if (this.total !== null) this.total += bytes - previous;
    return bytes;
  }

  /** Removes a key, remembering the seq of its removal for resumed catch-ups. Returns whether it existed. */
  remove(key: string, seq: number): boolean {
    const gone = this.sql.exec<{ b: number }>(`DELETE FROM state WHERE key = ? RETURNING ${ROW_BYTES} AS b`, key).toArray()[0];
    this.keep(key, null);
    if (!gone) return false;
    if (this.total !== null) this.total -= gone.b;
    this.sql.exec("INSERT INTO removed_keys (key, seq) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET seq = excluded.seq", key, seq);
    return true;
  }

  /** The serialized state's size in bytes, as MAX_STATE_BYTES counts it. */
  bytes(): number {
    this.total ??= this.sql.exec<{ b: number | null }>(`SELECT SUM(${ROW_BYTES}) AS b FROM state`).one().b ?? 0;
    return this.total;
  }

  /** Forgets the in-memory total and rows after a rolled-back transaction: the next reads go to SQLite. */
  reload(): void {
    this.total = null;
    this.rows.clear();
    this.rowChars = 0;
  }

  /** How many `shoots.*` keys there are. */
  shootCount(): number {
    return this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM state WHERE key >= ? AND key < ?", SHOOTS_FROM, SHOOTS_TO).one().n;
  }

  /** Finished shoots, oldest first, at most `limit`; only those finished at or before `before` when given. */
  finishedShoots(limit: number, before = Number.MAX_SAFE_INTEGER): string[] {
    return this.sql.exec<{ key: string }>(
      "SELECT key FROM state WHERE finished_at IS NOT NULL AND finished_at <= ? AND key >= ? AND key < ? ORDER BY finished_at, key LIMIT ?",
      before, SHOOTS_FROM, SHOOTS_TO, limit,
    ).toArray().map((r) => r.key);
  }

  /** When the oldest finished shoot finished, or null. */
  oldestFinishedAt(): number | null {
    return this.sql.exec<{ t: number | null }>("SELECT MIN(finished_at) AS t FROM state WHERE finished_at IS NOT NULL").one().t ?? null;
  }

  /** Keys removed after `since` that do not exist again, limited to `topics`. */
  removedSince(since: number, topics?: ReadonlySet<Topic>): string[] {
    return this.sql.exec<{ key: string }>(
      "SELECT r.key FROM removed_keys r WHERE r.seq > ? AND NOT EXISTS (SELECT 1 FROM state s WHERE s.key = r.key) ORDER BY r.seq",
      since,
    ).toArray().map((r) => r.key).filter((k) => !topics || topics.has(topicOfStateKey(k)));
  }

  /** Forgets removals at or below `seq`: a cursor that old cannot resume anyway (it gets a reset). */
  pruneRemoved(seq: number): void {
    this.sql.exec("DELETE FROM removed_keys WHERE seq <= ?", seq);
  }

  /** The rows changed after `since` as stored (JSON text), critical first, limited to `topics`. */
  rawChangedSince(since: number, topics?: ReadonlySet<Topic>): RawEntry[] {
    return this.sql.exec<StateRow>("SELECT key, value, version FROM state WHERE version > ?", since).toArray()
      .filter((r) => !topics || topics.has(topicOfStateKey(r.key)))
      .sort((a, b) => criticalFirst(a.key, b.key));
  }

  /**
   * The keys changed after `since` (all keys when since is 0), critical first, limited to `topics`.
   * @example store.changedSince(41, new Set(["state"])) // { state: {limbic: ...}, versions: {limbic: 42} }
   */
  changedSince(since: number, topics?: ReadonlySet<Topic>): { state: Record<string, unknown>; versions: Record<string, number> } {
    const rows = this.sql.exec<StateRow>("SELECT key, value, version FROM state WHERE version > ?", since).toArray()
      .filter((r) => !topics || topics.has(topicOfStateKey(r.key)))
      .sort((a, b) => criticalFirst(a.key, b.key));
    const state: Record<string, unknown> = {};
    const versions: Record<string, number> = {};
    for (const r of rows) {
      state[r.key] = JSON.parse(r.value);
      versions[r.key] = r.version;
    }
    return { state, versions };
  }
}
