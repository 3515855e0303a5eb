import { CRITICAL_KEYS, topicOfStateKey, type Topic } from "../protocol/index.js";
import { readMeta } from "./schema.js";

interface StateRow extends Record<string, SqlStorageValue> {
  key: string;
  value: string;
  version: number;
}

export interface StateEntry {
  value: unknown;
  /** The seq of the event that wrote this version. */
  version: number;
}

/** A state row as stored: the value is JSON text, sent on as it is. */
export interface RawEntry {
  key: string;
  value: string;
  version: number;
}

/** UTF-8 bytes of a string, without encoding it. */
export function utf8Bytes(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x800 && (c < 0xd800 || c > 0xdfff)) n += 2; // 3 bytes (a surrogate pair is 4 for 2 units)
    else if (c >= 0x80) n += 1;
  }
  return n;
}

/** What one entry adds to the serialized state: `"key":value,`. */
export const entryBytes = (key: string, json: string) => utf8Bytes(key) + utf8Bytes(json) + 4;

const SHOOTS_FROM = "shoots.";
const SHOOTS_TO = "shoots/"; // the next code point after "."

/** Critical keys first (limbic, convergence, posture), then the rest by key. */
function criticalFirst(a: string, b: string): number {
  const ia = (CRITICAL_KEYS as readonly string[]).indexOf(a);
  const ib = (CRITICAL_KEYS as readonly string[]).indexOf(b);
  if (ia !== ib) return (ia === -1 ? 99 : ia) - (ib === -1 ? 99 : ib);
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The user's state: one JSON value per key, versioned by the seq that last wrote it. */
export class StateStore {
  constructor(private readonly sql: SqlStorage) {}

  get(key: string): StateEntry | undefined {
    const row = this.sql.exec<StateRow>("SELECT key, value, version FROM state WHERE key = ?", key).toArray()[0];
    return row ? { value: JSON.parse(row.value), version: row.version } : undefined;
  }

  /** The version of a key: 0 when it has never been written. */
  versionOf(key: string): number {
    return this.sql.exec<{ version: number }>("SELECT version FROM state WHERE key = ?", key).toArray()[0]?.version ?? 0;
  }

  /**
   * Writes a key's value and keeps the state's byte total. `finishedAt`: when a shoot finished
   * (null while it runs and for other keys). Returns the entry's size in bytes.
   */
  set(key: string, value: unknown, version: number, now: number, finishedAt: number | null = null): number {
    const json = JSON.stringify(value);
    const bytes = entryBytes(key, json);
    this.sql.exec(
      "UPDATE _meta SET value = value + ? - COALESCE((SELECT LENGTH(CAST(s.key AS BLOB)) + LENGTH(CAST(s.value AS BLOB)) + 4 FROM state s WHERE s.key = ?), 0) WHERE key = 'state_bytes'",
      bytes, key,
    );
    this.sql.exec(
      "INSERT INTO state (key, value, version, updated_at, finished_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value, version = excluded.version, updated_at = excluded.updated_at, finished_at = excluded.finished_at",
      key, json, version, now, finishedAt,
    );
    return bytes;
  }

  /** Removes a key, remembering the seq of its removal for resumed catch-ups. Returns whether it existed. */
  remove(key: string, seq: number): boolean {
    this.sql.exec(
      "UPDATE _meta SET value = value - COALESCE((SELECT LENGTH(CAST(s.key AS BLOB)) + LENGTH(CAST(s.value AS BLOB)) + 4 FROM state s WHERE s.key = ?), 0) WHERE key = 'state_bytes'",
      key,
    );
    const gone = this.sql.exec("DELETE FROM state WHERE key = ?", key).rowsWritten > 0;
    if (gone) this.sql.exec("INSERT INTO removed_keys (key, seq) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET seq = excluded.seq", key, seq);
    return gone;
  }

  /** The serialized state's size in bytes, as MAX_STATE_BYTES counts it. */
  bytes(): number {
    return readMeta(this.sql, "state_bytes");
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
