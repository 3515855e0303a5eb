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

/**
 * Takes up to `n` tokens at once (a batch counts its items): as many as the bucket holds, in order.
 * @example takeUpTo(undefined, 100, Date.now(), 150) // { granted: 100, retryAfterMs: 600, ... }
 */
export function takeUpTo(bucket: Bucket | undefined, perMinute: number, now: number, n: number): TakeResult & { granted: number } {
  const ratePerMs = perMinute / 60_000;
  const elapsed = bucket ? Math.max(0, now - bucket.updatedAt) : 0;
  const tokens = bucket ? Math.min(perMinute, bucket.tokens + elapsed * ratePerMs) : perMinute;
  const granted = Math.max(0, Math.min(n, Math.floor(tokens)));
  const left = tokens - granted;
  return {
    allowed: granted === n, granted, bucket: { tokens: left, updatedAt: now },
    retryAfterMs: granted === n ? 0 : Math.ceil((1 - left) / ratePerMs),
  };
}

/** Persists token buckets by name in SQLite. */
export class RateLimiter {
  constructor(private readonly sql: SqlStorage) {}

  take(name: string, perMinute: number, now: number): TakeResult {
    return this.takeUpTo(name, perMinute, now, 1);
  }

  /** Takes up to `n` tokens; `granted` says how many. */
  takeUpTo(name: string, perMinute: number, now: number, n: number): TakeResult & { granted: number } {
    const row = this.sql.exec<{ tokens: number; updated_at: number }>("SELECT tokens, updated_at FROM rate_buckets WHERE name = ?", name).toArray()[0];
    const result = takeUpTo(row ? { tokens: row.tokens, updatedAt: row.updated_at } : undefined, perMinute, now, n);
    this.sql.exec("INSERT INTO rate_buckets (name, tokens, updated_at) VALUES (?, ?, ?) ON CONFLICT(name) DO UPDATE SET tokens = excluded.tokens, updated_at = excluded.updated_at",
      name, result.bucket.tokens, result.bucket.updatedAt);
    return result;
  }
}
