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

/** A bucket in memory, with how many tokens were taken since it was last written. */
interface Held {
  /** Undefined until the first take of a bucket never written: a full bucket. */
  bucket: Bucket | undefined;
  unsaved: number;
}

/**
 * Token buckets by name, held in memory and written to SQLite once a tenth of the allowance has
 * been taken since the last write (and when a refusal follows unsaved takes). A hub evicted between
 * writes comes back with the last written bucket: it forgets at most a tenth of a minute's
 * allowance per eviction, and an eviction needs the hub idle for seconds, during which the bucket
 * refills faster than that anyway. Writing on every take would cost a row written per message.
 */
export class RateLimiter {
  private readonly held = new Map<string, Held>();

  constructor(private readonly sql: SqlStorage) {}

  take(name: string, perMinute: number, now: number): TakeResult {
    return this.takeUpTo(name, perMinute, now, 1);
  }

  /** Takes up to `n` tokens; `granted` says how many. */
  takeUpTo(name: string, perMinute: number, now: number, n: number): TakeResult & { granted: number } {
    const held = this.held.get(name) ?? this.read(name);
    const result = takeUpTo(held.bucket, perMinute, now, n);
    held.bucket = result.bucket;
    held.unsaved += result.granted;
    if (held.unsaved >= Math.max(1, perMinute / 10) || (!result.allowed && held.unsaved > 0)) {
      this.sql.exec("INSERT INTO rate_buckets (name, tokens, updated_at) VALUES (?, ?, ?) ON CONFLICT(name) DO UPDATE SET tokens = excluded.tokens, updated_at = excluded.updated_at",
        name, result.bucket.tokens, result.bucket.updatedAt);
      held.unsaved = 0;
    }
    return result;
  }

  private read(name: string): Held {
    const row = this.sql.exec<{ tokens: number; updated_at: number }>("SELECT tokens, updated_at FROM rate_buckets WHERE name = ?", name).toArray()[0];
    const held: Held = { bucket: row ? { tokens: row.tokens, updatedAt: row.updated_at } : undefined, unsaved: 0 };
    this.held.set(name, held);
    return held;
  }
}
