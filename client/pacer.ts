/**
 * A client-side token bucket for JSON frames, mirroring the server's per-user limit, so that an
 * outbox draining after a long offline spell does not earn RATE_LIMITED refusals (which count
 * towards the 4008 abuse close). `pauseFor` honours a server's `retryAfterMs`.
 */
export class Pacer {
  private tokens: number;
  private updatedAt: number;
  private pausedUntil = 0;

  constructor(private readonly perMinute: number, private readonly now: () => number = Date.now) {
    this.tokens = perMinute;
    this.updatedAt = now();
  }

  private refill(): void {
    const t = this.now();
    this.tokens = Math.min(this.perMinute, this.tokens + ((t - this.updatedAt) * this.perMinute) / 60_000);
    this.updatedAt = t;
  }

  /** Takes a token if one is there and no pause is on. */
  take(): boolean {
    if (this.now() < this.pausedUntil) return false;
    this.refill();
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** How long until `take()` can succeed. */
  waitMs(): number {
    this.refill();
    const pause = Math.max(0, this.pausedUntil - this.now());
    const refill = this.tokens >= 1 ? 0 : Math.ceil(((1 - this.tokens) * 60_000) / this.perMinute);
    return Math.max(pause, refill);
  }

  /** The server's bucket is empty: spend ours too, so what follows goes out at the refill rate. */
  exhaust(): void {
    this.tokens = 0;
    this.updatedAt = this.now();
  }

  pauseFor(ms: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, this.now() + ms);
  }
}
