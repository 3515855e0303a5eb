/** Backoff settings: attempt n waits `min(maxDelayMs, minDelayMs * factor^(n-1))`, jittered. */
export interface BackoffOptions {
  /** The first retry's delay. */
  minDelayMs: number;
  /** The cap. */
  maxDelayMs: number;
  /** Growth per attempt. */
  factor: number;
  /** Fraction of the delay that is random: 0.2 means the delay is drawn from [0.8 d, 1.2 d], capped at maxDelayMs. */
  jitter: number;
}

/**
 * The delay before reconnect attempt `attempt` (1-based). With the defaults the centres are
 * 1, 2, 4, 8, 16, 30, 30, ... seconds, each spread by the jitter so that a fleet of clients
 * dropped together does not come back together.
 * @example backoffDelay(3, DEFAULTS.backoff, () => 0.5) // 4000
 */
export function backoffDelay(attempt: number, o: BackoffOptions, random: () => number = Math.random): number {
  const base = Math.min(o.maxDelayMs, o.minDelayMs * o.factor ** Math.max(0, attempt - 1));
  const spread = base * o.jitter * (2 * random() - 1);
  return Math.max(0, Math.round(Math.min(o.maxDelayMs, base + spread)));
}
