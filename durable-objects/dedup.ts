/** How long client message ids and Idempotency-Keys are remembered. */
export const DEDUP_TTL_MS = 24 * 60 * 60 * 1000;

/** Remembers answers to client message ids (per device) and results of Idempotency-Keys (per user). */
export class Dedup {
  constructor(private readonly sql: SqlStorage) {}

  clientAnswer(deviceId: string, msgId: string): string | undefined {
    return this.sql.exec<{ answer: string }>("SELECT answer FROM client_messages WHERE device_id = ? AND msg_id = ?", deviceId, msgId).toArray()[0]?.answer;
  }

  rememberClientAnswer(deviceId: string, msgId: string, answer: string, now: number): void {
    this.sql.exec("INSERT OR REPLACE INTO client_messages (device_id, msg_id, answer, at) VALUES (?, ?, ?, ?)", deviceId, msgId, answer, now);
  }

  idempotentResult<T>(key: string): T | undefined {
    const row = this.sql.exec<{ result: string }>("SELECT result FROM idempotency_keys WHERE key = ?", key).toArray()[0];
    return row ? (JSON.parse(row.result) as T) : undefined;
  }

  rememberIdempotentResult(key: string, result: unknown, now: number): void {
    this.sql.exec("INSERT OR REPLACE INTO idempotency_keys (key, result, at) VALUES (?, ?, ?)", key, JSON.stringify(result), now);
  }

  /** Forgets entries older than the TTL; returns the oldest remaining timestamp, or null. */
  prune(now: number): number | null {
    const cutoff = now - DEDUP_TTL_MS;
    this.sql.exec("DELETE FROM client_messages WHERE at < ?", cutoff);
    this.sql.exec("DELETE FROM idempotency_keys WHERE at < ?", cutoff);
    const a = this.sql.exec<{ at: number | null }>("SELECT MIN(at) AS at FROM client_messages").one().at;
    const b = this.sql.exec<{ at: number | null }>("SELECT MIN(at) AS at FROM idempotency_keys").one().at;
    const all = [a, b].filter((x): x is number => x !== null);
    return all.length ? Math.min(...all) : null;
  }
}
