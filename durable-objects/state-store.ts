import { CRITICAL_KEYS, topicOfStateKey, type Topic } from "../protocol/index.js";

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

  set(key: string, value: unknown, version: number, now: number): void {
    this.sql.exec(
      "INSERT INTO state (key, value, version, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value, version = excluded.version, updated_at = excluded.updated_at",
      key, JSON.stringify(value), version, now,
    );
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
