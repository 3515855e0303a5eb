/**
 * The UserHub's SQLite schema as numbered migrations. Each runs once, in order, in one
 * transaction with the bump of `schema_version`; a new version appends, never edits.
 */
export const MIGRATIONS: readonly string[] = [
  // 1: the event log, state, devices, dedup, rate buckets and jobs.
  `
  CREATE TABLE events (
    seq INTEGER PRIMARY KEY,
    type TEXT NOT NULL,
    ts INTEGER NOT NULL,
    data TEXT NOT NULL,
    from_id TEXT NOT NULL,
    state_key TEXT
  );
  CREATE INDEX events_ts ON events(ts);
  CREATE TABLE state (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    version INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );
  CREATE INDEX state_version ON state(version);
  CREATE TABLE devices (
    device_id TEXT PRIMARY KEY,
    platform TEXT NOT NULL,
    name TEXT,
    first_seen INTEGER NOT NULL,
    last_seen INTEGER NOT NULL,
    acked_seq INTEGER NOT NULL DEFAULT 0
  );
  CREATE TABLE client_messages (
    device_id TEXT NOT NULL,
    msg_id TEXT NOT NULL,
    answer TEXT NOT NULL,
    at INTEGER NOT NULL,
    PRIMARY KEY (device_id, msg_id)
  );
  CREATE INDEX client_messages_at ON client_messages(at);
  CREATE TABLE idempotency_keys (
    key TEXT PRIMARY KEY,
    result TEXT NOT NULL,
    at INTEGER NOT NULL
  );
  CREATE INDEX idempotency_keys_at ON idempotency_keys(at);
  CREATE TABLE rate_buckets (
    name TEXT PRIMARY KEY,
    tokens REAL NOT NULL,
    updated_at INTEGER NOT NULL
  );
  CREATE TABLE jobs (
    id TEXT PRIMARY KEY,
    due INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    payload TEXT
  );
  CREATE INDEX jobs_due ON jobs(due);
  `,
  // 2: a dream cycle's saved work (its cursor and accumulators), one row per cycle in progress.
  // IF NOT EXISTS: hubs created before this migration made the table on the fly.
  `
  CREATE TABLE IF NOT EXISTS dream_work (cycle_id TEXT PRIMARY KEY, work TEXT NOT NULL);
  `,
  // 3: the log's epoch; Idempotency-Keys scoped per service with the fingerprint of their request
  // (idempotency_keys stays until its rows expire); the topics of a device's last connection.
  `
  CREATE TABLE log_epoch (id INTEGER PRIMARY KEY CHECK (id = 1), epoch TEXT NOT NULL, created_at INTEGER NOT NULL);
  CREATE TABLE service_keys (
    service TEXT NOT NULL,
    key TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    result TEXT NOT NULL,
    at INTEGER NOT NULL,
    PRIMARY KEY (service, key)
  );
  CREATE INDEX service_keys_at ON service_keys(at);
  ALTER TABLE devices ADD COLUMN topics TEXT;
  `,
  // 4: bounds. When a shoot finished (null while running; indexed for expiry and eviction); removed
  // keys with the seq of their removal, for a resumed STATE's \`removed\`; the state's size in bytes,
  // kept as a running total (each entry counts as in a JSON object: "key":value,). That row is no
  // longer kept up to date: StateStore holds the total in memory, summed from the rows at open.
  `
  ALTER TABLE state ADD COLUMN finished_at INTEGER;
  UPDATE state SET finished_at = updated_at
    WHERE key >= 'shoots.' AND key < 'shoots/' AND json_extract(value, '$.status') IN ('completed', 'failed');
  CREATE INDEX state_finished ON state(finished_at) WHERE finished_at IS NOT NULL;
  CREATE TABLE removed_keys (key TEXT PRIMARY KEY, seq INTEGER NOT NULL);
  CREATE INDEX removed_keys_seq ON removed_keys(seq);
  INSERT INTO _meta (key, value)
    SELECT 'state_bytes', COALESCE(SUM(LENGTH(CAST(key AS BLOB)) + LENGTH(CAST(value AS BLOB)) + 4), 0) FROM state
    WHERE true ON CONFLICT(key) DO UPDATE SET value = excluded.value;
  `,
  // 5: each event's wire JSON, written at append, so that a catch-up joins rows into a frame
  // without a parse and a stringify per event. Rows of earlier versions have none (NULL).
  `
  ALTER TABLE events ADD COLUMN wire TEXT;
  `,
  // 6: the hub's counters (durable-objects/metrics): one row, written whole at each flush.
  `
  CREATE TABLE hub_metrics (id INTEGER PRIMARY KEY CHECK (id = 1), since INTEGER NOT NULL, flushed_at INTEGER NOT NULL, counters TEXT NOT NULL);
  `,
];

/**
 * Brings the database to the newest schema. Cheap when it is current: one read of `_meta`.
 * @example migrate(ctx.storage.sql, (fn) => ctx.storage.transactionSync(fn))
 */
export function migrate(sql: SqlStorage, transaction: (fn: () => void) => void): number {
  sql.exec("CREATE TABLE IF NOT EXISTS _meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL)");
  const row = sql.exec<{ value: number }>("SELECT value FROM _meta WHERE key = 'schema_version'").toArray()[0];
  let version = row?.value ?? 0;
  while (version < MIGRATIONS.length) {
    const next = version + 1;
    transaction(() => {
      sql.exec(MIGRATIONS[next - 1]!);
      sql.exec("INSERT INTO _meta (key, value) VALUES ('schema_version', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value", next);
    });
    version = next;
  }
  return version;
}

/** Reads and writes integer counters in `_meta` (last seq, pruned-through seq). */
export function readMeta(sql: SqlStorage, key: string): number {
  return sql.exec<{ value: number }>("SELECT value FROM _meta WHERE key = ?", key).toArray()[0]?.value ?? 0;
}

export function writeMeta(sql: SqlStorage, key: string, value: number): void {
  sql.exec("INSERT INTO _meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value", key, value);
}
