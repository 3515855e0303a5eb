import { ErrorCode } from "../protocol/index.js";

/** How long client message ids and Idempotency-Keys are remembered. */
export const DEDUP_TTL_MS = 24 * 60 * 60 * 1000;
/** At most this many remembered answers per table and user: with MAX_REMEMBERED_ANSWER_BYTES, the bound on dedup bytes. */
export const MAX_DEDUP_ROWS = 10_000;
/** A remembered answer is cut to this size (issues dropped first); ACCEPTED answers are ~60 bytes. */
export const MAX_REMEMBERED_ANSWER_BYTES = 512;

/** A remembered service result, with the fingerprint of the request that produced it. */
export interface ServiceRecord<T> {
  fingerprint: string;
  result: T;
}

type Table = "client_messages" | "service_keys";

/**
 * Compact form of an answer to remember. A CONFLICT keeps its version but not `current` (a value of
 * up to the state bound, per message id): a replay reads the key's value again. Long issue lists
 * are cut so that one answer stays within MAX_REMEMBERED_ANSWER_BYTES.
 */
export function compactAnswer(answer: Record<string, unknown>): string {
  const { current: _current, ...rest } = answer;
  const kept = answer.code === ErrorCode.CONFLICT ? rest : answer;
  let text = JSON.stringify(kept);
  if (text.length <= MAX_REMEMBERED_ANSWER_BYTES) return text;
  const { issues, ...bare } = kept as { issues?: unknown[] };
  text = JSON.stringify(Array.isArray(issues) ? { ...bare, issues: issues.slice(0, 1) } : bare);
  if (text.length <= MAX_REMEMBERED_ANSWER_BYTES) return text;
  return JSON.stringify({ ...bare, message: String((bare as { message?: unknown }).message ?? "").slice(0, 200) });
}

/**
 * Remembers answers to client message ids (per device) and results of service Idempotency-Keys
 * (per service, with the fingerprint of the request), each for DEDUP_TTL_MS and at most
 * MAX_DEDUP_ROWS per table: the oldest go first past the bound.
 */
export class Dedup {
  private rows: Partial<Record<Table, number>> = {};

  constructor(private readonly sql: SqlStorage) {}

  clientAnswer(deviceId: string, msgId: string): string | undefined {
    return this.sql.exec<{ answer: string }>("SELECT answer FROM client_messages WHERE device_id = ? AND msg_id = ?", deviceId, msgId).toArray()[0]?.answer;
  }

  /** Records an answer; call inside the transaction of the effect it answers, when there is one. */
  rememberClientAnswer(deviceId: string, msgId: string, answer: Record<string, unknown>, now: number): void {
    this.sql.exec("INSERT OR REPLACE INTO client_messages (device_id, msg_id, answer, at) VALUES (?, ?, ?, ?)", deviceId, msgId, compactAnswer(answer), now);
    this.bound("client_messages");
  }

  serviceResult<T>(service: string, key: string): ServiceRecord<T> | undefined {
    const row = this.sql.exec<{ fingerprint: string; result: string }>("SELECT fingerprint, result FROM service_keys WHERE service = ? AND key = ?", service, key).toArray()[0];
    if (row) return { fingerprint: row.fingerprint, result: JSON.parse(row.result) as T };
    // Keys remembered before they were scoped (schema 1-2) match any service and request until they expire.
    const legacy = this.sql.exec<{ result: string }>("SELECT result FROM idempotency_keys WHERE key = ?", key).toArray()[0];
    return legacy ? { fingerprint: "", result: JSON.parse(legacy.result) as T } : undefined;
  }

  /** Records a service result; call inside the transaction of the write it answers. */
  rememberServiceResult(service: string, key: string, fingerprint: string, result: unknown, now: number): void {
    this.sql.exec("INSERT OR REPLACE INTO service_keys (service, key, fingerprint, result, at) VALUES (?, ?, ?, ?, ?)",
      service, key, fingerprint, JSON.stringify(result), now);
    this.bound("service_keys");
  }

  /** Replaces a remembered result's answer (with what was only known after the commit, such as `delivered`). */
  updateServiceResult(service: string, key: string, result: unknown): void {
    this.sql.exec("UPDATE service_keys SET result = ? WHERE service = ? AND key = ?", JSON.stringify(result), service, key);
  }

  /** Drops the oldest rows of a table past MAX_DEDUP_ROWS, a tenth at a time. */
  private bound(table: Table): void {
    const n = (this.rows[table] ?? this.sql.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table}`).one().n) + 1;
    this.rows[table] = n;
    if (n <= MAX_DEDUP_ROWS) return;
    const drop = n - MAX_DEDUP_ROWS + Math.floor(MAX_DEDUP_ROWS / 10);
    this.sql.exec(`DELETE FROM ${table} WHERE rowid IN (SELECT rowid FROM ${table} ORDER BY at LIMIT ?)`, drop);
    this.rows[table] = this.sql.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table}`).one().n;
  }

  /** Forgets entries older than the TTL; returns the oldest remaining timestamp, or null. */
  prune(now: number): number | null {
    const cutoff = now - DEDUP_TTL_MS;
    let oldest: number | null = null;
    for (const table of ["client_messages", "service_keys", "idempotency_keys"] as const) {
      this.sql.exec(`DELETE FROM ${table} WHERE at < ?`, cutoff);
      const at = this.sql.exec<{ at: number | null }>(`SELECT MIN(at) AS at FROM ${table}`).one().at;
      if (at !== null) oldest = oldest === null ? at : Math.min(oldest, at);
    }
    this.rows = {};
    return oldest;
  }

  /** Total bytes of remembered answers and results (for the bound's test and metrics). */
  bytes(): number {
    return this.sql.exec<{ b: number | null }>(
      "SELECT (SELECT COALESCE(SUM(LENGTH(answer) + LENGTH(msg_id) + LENGTH(device_id)), 0) FROM client_messages) + (SELECT COALESCE(SUM(LENGTH(result) + LENGTH(key) + LENGTH(fingerprint) + LENGTH(service)), 0) FROM service_keys) AS b",
    ).one().b ?? 0;
  }
}
