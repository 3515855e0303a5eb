/** A token bucket's persisted form. */
export interface Bucket {
  tokens: number;
  updatedAt: number;
}

export interface TakeResult {
  allowed: boolean;
  bucket: Bucket;
  /** When not allowed: how long until one token is back. */
  retryAfterMs: number;
}

/**
 * Takes one token from a bucket that holds `perMinute` tokens and refills at `perMinute` a minute.
 * Pure: the caller persists the returned bucket, so limits survive hibernation and eviction.
 * @example take(undefined, 100, Date.now()) // { allowed: true, bucket: { tokens: 99, ... } }
 */
export function take(bucket: Bucket | undefined, perMinute: number, now: number): TakeResult {
  const ratePerMs = perMinute / 60_000;
  const elapsed = bucket ? Math.max(0, now - bucket.updatedAt) : 0;
  const tokens = bucket ? Math.min(perMinute, bucket.tokens + elapsed * ratePerMs) : perMinute;
  if (tokens >= 1) return { allowed: true, bucket: { tokens: tokens - 1, updatedAt: now }, retryAfterMs: 0 };
  return { allowed: false, bucket: { tokens, updatedAt: now }, retryAfterMs: Math.ceil((1 - tokens) / ratePerMs) };
}

/** Persists token buckets by name in SQLite. */
export class RateLimiter {
  constructor(private readonly sql: SqlStorage) {}

  take(name: string, perMinute: number, now: number): TakeResult {
    const row = this.sql.exec<{ tokens: number; updated_at: number }>("SELECT tokens, updated_at FROM rate_buckets WHERE name = ?", name).toArray()[0];
    const result = take(row ? { tokens: row.tokens, updatedAt: row.updated_at } : undefined, perMinute, now);
    this.sql.exec("INSERT INTO rate_buckets (name, tokens, updated_at) VALUES (?, ?, ?) ON CONFLICT(name) DO UPDATE SET tokens = excluded.tokens, updated_at = excluded.updated_at",
      name, result.bucket.tokens, result.bucket.updatedAt);
    return result;
  }
}
