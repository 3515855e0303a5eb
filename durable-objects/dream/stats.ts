import { POSTURES, type PostureName } from "../../protocol/index.js";

const HOUR_MS = 3_600_000;

/** Rounds to 4 decimals: report numbers are meant to be read and compared exactly. */
export function round4(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}

/**
 * The running sums of one variable's samples in a window: enough for mean, min, max, last and a
 * least-squares trend, in constant space whatever the number of samples.
 */
export interface SeriesAcc {
  n: number;
  sum: number;
  min: number | null;
  max: number | null;
  last: number | null;
  /** Sums over (x = hours since the window start, y = value) for the trend. */
  sx: number;
  sxx: number;
  sxy: number;
}

export const emptySeries = (): SeriesAcc => ({ n: 0, sum: 0, min: null, max: null, last: null, sx: 0, sxx: 0, sxy: 0 });

/** Adds one sample taken at `ts` to a series whose window starts at `fromTs`. Mutates `acc`. */
export function addSample(acc: SeriesAcc, value: number, ts: number, fromTs: number): void {
  const x = (ts - fromTs) / HOUR_MS;
  acc.n += 1;
  acc.sum += value;
  acc.min = acc.min === null ? value : Math.min(acc.min, value);
  acc.max = acc.max === null ? value : Math.max(acc.max, value);
  acc.last = value;
  acc.sx += x;
  acc.sxx += x * x;
  acc.sxy += x * value;
}

/** A variable's figures in a report. `trend` is the least-squares slope, in units per hour. */
export interface SeriesStats {
  count: number;
  mean: number | null;
  min: number | null;
  max: number | null;
  last: number | null;
  trend: number | null;
}

/**
 * The figures of a series: mean and trend rounded to 4 decimals; trend is null with fewer than
 * two samples or when every sample has the same time.
 * @example seriesStats(acc) // { count: 3, mean: 0.5, min: 0.2, max: 0.8, last: 0.8, trend: 0.3 }
 */
export function seriesStats(acc: SeriesAcc): SeriesStats {
  if (acc.n === 0) return { count: 0, mean: null, min: null, max: null, last: null, trend: null };
  const denom = acc.n * acc.sxx - acc.sx * acc.sx;
  const sy = acc.sum;
  // Relative to the scale of the sums: a zero spread of x leaves only rounding noise here.
  const trend = acc.n < 2 || Math.abs(denom) <= 1e-12 * Math.max(1, acc.n * acc.sxx) ? null : round4((acc.n * acc.sxy - acc.sx * sy) / denom);
  return { count: acc.n, mean: round4(acc.sum / acc.n), min: acc.min, max: acc.max, last: acc.last, trend: trend === 0 ? 0 : trend };
}

/** Time spent in each posture over a window, from the posture in effect at its start. */
export interface PostureAcc {
  /** The posture in effect, or null while unknown (no change seen before or in the window yet). */
  current: PostureName | null;
  /** Since when the current posture has been in effect (ms). */
  since: number;
  ms: Record<PostureName, number>;
  changes: number;
}

export function emptyPosture(initial: PostureName | null, fromTs: number): PostureAcc {
  return { current: initial, since: fromTs, ms: Object.fromEntries(POSTURES.map((p) => [p, 0])) as Record<PostureName, number>, changes: 0 };
}

/** Records a posture change at `ts`. Mutates `acc`. */
export function addPostureChange(acc: PostureAcc, to: PostureName, ts: number): void {
  if (acc.current !== null) acc.ms[acc.current] += Math.max(0, ts - acc.since);
  acc.current = to;
  acc.since = ts;
  acc.changes += 1;
}

export interface PostureStats {
  /** Share of the tracked time in each posture, 4 decimals; all 0 when nothing was tracked. */
  shares: Record<PostureName, number>;
  /** How many ms were tracked: from the window start (or the first change, when the posture before it is unknown) to its end. */
  trackedMs: number;
  changes: number;
}

/** The posture shares at the end of the window, `toTs`. Pure: does not change `acc`. */
export function postureStats(acc: PostureAcc, toTs: number): PostureStats {
  const ms = { ...acc.ms };
  if (acc.current !== null) ms[acc.current] += Math.max(0, toTs - acc.since);
  const trackedMs = POSTURES.reduce((s, p) => s + ms[p], 0);
  const shares = Object.fromEntries(POSTURES.map((p) => [p, trackedMs === 0 ? 0 : round4(ms[p] / trackedMs)])) as Record<PostureName, number>;
  return { shares, trackedMs, changes: acc.changes };
}

/** Convergence progress over a window: its value at the start and the last one seen. */
export interface ConvergenceAcc {
  start: number;
  end: number;
  updates: number;
  completed: boolean;
}

export const emptyConvergence = (start: number, completed: boolean): ConvergenceAcc => ({ start, end: start, updates: 0, completed });

export interface ConvergenceStats {
  start: number;
  end: number;
  /** end - start, 4 decimals: negative when progress was reset. */
  gained: number;
  updates: number;
  completed: boolean;
}

export function convergenceStats(acc: ConvergenceAcc): ConvergenceStats {
  return { start: acc.start, end: acc.end, gained: round4(acc.end - acc.start), updates: acc.updates, completed: acc.completed };
}
