import type { Insight } from "../../protocol/index.js";

/**
 * The pattern rules' thresholds. Each rule is deterministic and streaming: it sees the window's
 * events once, in seq order, in bounded space, and every insight it emits names at least two
 * evidence seqs.
 */
export const RULES = {
  /** Valence at or below this is low; `minSamples` low samples make "repeated low valence". */
  lowValence: { threshold: 0.3, minSamples: 3 },
  /** Arousal samples at or above this, unbroken for at least `minMs`, make "sustained high arousal". */
  highArousal: { threshold: 0.7, minMs: 30 * 60_000 },
  /** At least `minChanges` posture changes within `windowMs` make "posture thrash". */
  postureThrash: { minChanges: 4, windowMs: 60 * 60_000 },
  /** At least `minUpdates` progress updates in a row without a gain, while not completed, make "stalled convergence". */
  stalledConvergence: { minUpdates: 3 },
  /** At most this many evidence seqs are kept per insight. */
  maxEvidence: 10,
} as const;

interface Sample {
  seq: number;
  ts: number;
}

/** The detectors' bounded running state, persisted with the cycle between chunks. */
export interface PatternAcc {
  low: { count: number; evidence: number[] };
  /** The current unbroken run of high arousal and the longest one so far. */
  arousalRun: { first: Sample | null; last: Sample | null; count: number; evidence: number[] };
  arousalBest: { ms: number; count: number; evidence: number[] };
  /** Posture changes within the last `windowMs`, newest last, and the densest such burst. */
  postureRecent: Sample[];
  postureBest: number[];
  /** The current run of progress updates without a gain over `base`, and the longest. */
  stallRun: { base: number | null; evidence: number[]; count: number };
  stallBest: { count: number; evidence: number[] };
  completed: boolean;
}

export function emptyPatterns(completed: boolean): PatternAcc {
  return {
    low: { count: 0, evidence: [] },
    arousalRun: { first: null, last: null, count: 0, evidence: [] },
    arousalBest: { ms: 0, count: 0, evidence: [] },
    postureRecent: [],
    postureBest: [],
    stallRun: { base: null, evidence: [], count: 0 },
    stallBest: { count: 0, evidence: [] },
    completed,
  };
}

/** Keeps the first `max - 1` seqs and always the latest, so an insight shows where a run ended. */
function pushEvidence(list: number[], seq: number): number[] {
  if (list.length < RULES.maxEvidence) return [...list, seq];
  return [...list.slice(0, RULES.maxEvidence - 1), seq];
}

/** Feeds one valence sample. Mutates `acc`. */
export function seeValence(acc: PatternAcc, value: number, seq: number): void {
  if (value > RULES.lowValence.threshold) return;
  acc.low.count += 1;
  acc.low.evidence = pushEvidence(acc.low.evidence, seq);
}

/** Feeds one arousal sample. Mutates `acc`. */
export function seeArousal(acc: PatternAcc, value: number, seq: number, ts: number): void {
  const run = acc.arousalRun;
  if (value < RULES.highArousal.threshold) {
    acc.arousalRun = { first: null, last: null, count: 0, evidence: [] };
    return;
  }
  run.first ??= { seq, ts };
  run.last = { seq, ts };
  run.count += 1;
  run.evidence = pushEvidence(run.evidence, seq);
  const ms = ts - run.first.ts;
  if (run.count >= 2 && (ms > acc.arousalBest.ms || (ms === acc.arousalBest.ms && run.count > acc.arousalBest.count))) {
    acc.arousalBest = { ms, count: run.count, evidence: run.evidence };
  }
}

/** Feeds one posture change. Mutates `acc`. */
export function seePostureChange(acc: PatternAcc, seq: number, ts: number): void {
  const { windowMs } = RULES.postureThrash;
  const recent = [...acc.postureRecent.filter((s) => ts - s.ts < windowMs), { seq, ts }].slice(-4 * RULES.maxEvidence);
  acc.postureRecent = recent;
  if (recent.length > acc.postureBest.length) acc.postureBest = recent.map((s) => s.seq).slice(0, 4 * RULES.maxEvidence);
}

/** Feeds one convergence update carrying `progress` (and `completed`, when given). Mutates `acc`. */
export function seeConvergence(acc: PatternAcc, progress: number | undefined, completed: boolean | undefined, seq: number): void {
  if (completed !== undefined) acc.completed = completed;
  if (progress === undefined) return;
  const run = acc.stallRun;
  if (run.base === null || progress > run.base) {
    acc.stallRun = { base: progress, evidence: [seq], count: 1 };
    return;
  }
  run.count += 1;
  run.evidence = pushEvidence(run.evidence, seq);
  if (run.count > acc.stallBest.count) acc.stallBest = { count: run.count, evidence: run.evidence };
}

const minutes = (ms: number) => Math.round(ms / 60_000);

/**
 * The insights the rules draw from the detectors, in a fixed order. Each carries >= 2 evidence seqs.
 * @example insightsOf(acc) // [{ kind: "repeated-low-valence", title: "...", detail: "...", evidence: [4, 9, 15] }]
 */
export function insightsOf(acc: PatternAcc): Insight[] {
  const out: Insight[] = [];
  if (acc.low.count >= RULES.lowValence.minSamples) {
    out.push({
      kind: "repeated-low-valence",
      title: "Repeated low valence",
      detail: `valence was at or below ${RULES.lowValence.threshold} ${acc.low.count} times`,
      evidence: acc.low.evidence,
    });
  }
  if (acc.arousalBest.count >= 2 && acc.arousalBest.ms >= RULES.highArousal.minMs) {
    out.push({
      kind: "sustained-high-arousal",
      title: "Sustained high arousal",
      detail: `arousal stayed at or above ${RULES.highArousal.threshold} for ${minutes(acc.arousalBest.ms)} minutes over ${acc.arousalBest.count} updates`,
      evidence: acc.arousalBest.evidence,
    });
  }
  if (acc.postureBest.length >= RULES.postureThrash.minChanges) {
    out.push({
      kind: "posture-thrash",
      title: "Posture thrash",
      detail: `${acc.postureBest.length} posture changes within ${minutes(RULES.postureThrash.windowMs)} minutes`,
      evidence: acc.postureBest.slice(0, RULES.maxEvidence),
    });
  }
  if (!acc.completed && acc.stallBest.count >= RULES.stalledConvergence.minUpdates) {
    out.push({
      kind: "stalled-convergence",
      title: "Stalled convergence",
      detail: `${acc.stallBest.count} convergence updates in a row without progress`,
      evidence: acc.stallBest.evidence,
    });
  }
  return out.filter((i) => (i.evidence?.length ?? 0) >= 2);
}
