/** Round-trip samples kept for the rolling latency. */
const SAMPLES = 5;
/** Reconnect attempts older than this no longer lower the quality. */
const RECONNECT_WINDOW_MS = 5 * 60_000;

/**
 * Rolling latency and a 0-100 quality figure, as the Sallie seed's connection indicator had:
 * latency sets the ceiling (100 up to 50 ms, falling to 0 at 1050 ms) and each reconnect attempt
 * in the last five minutes costs 15 points (at most 60).
 */
export class LinkQuality {
  private samples: number[] = [];

  record(rttMs: number): void {
    this.samples.push(Math.max(0, rttMs));
    if (this.samples.length > SAMPLES) this.samples.shift();
  }

  reset(): void {
    this.samples = [];
  }

  /** The mean of the last samples, rounded; null before the first. */
  get latencyMs(): number | null {
    if (this.samples.length === 0) return null;
    return Math.round(this.samples.reduce((a, b) => a + b, 0) / this.samples.length);
  }

  /** 0 when not connected; otherwise from latency and the recent reconnect attempts. */
  quality(connected: boolean, reconnectTimes: readonly number[], now: number): number {
    return computeQuality(connected, this.latencyMs, reconnectTimes.filter((t) => now - t < RECONNECT_WINDOW_MS).length);
  }
}

/** @example computeQuality(true, 120, 1) // 78 */
export function computeQuality(connected: boolean, latencyMs: number | null, recentReconnects: number): number {
  if (!connected) return 0;
  const latencyScore = latencyMs === null ? 100 : 100 * Math.min(1, Math.max(0, 1 - (latencyMs - 50) / 1000));
  const penalty = Math.min(60, 15 * recentReconnects);
  return Math.max(0, Math.round(latencyScore - penalty));
}
