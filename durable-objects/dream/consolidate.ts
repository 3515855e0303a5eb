import {
  ConvergenceUpdateData, LIMBIC_VARIABLES, LimbicUpdateData, PostureChangeData,
  type EventType, type Insight, type LimbicVariable, type NerveEvent, type PostureName,
} from "../../protocol/index.js";
import { emptyPatterns, insightsOf, seeArousal, seeConvergence, seePostureChange, seeValence, type PatternAcc } from "./patterns.js";
import {
  addPostureChange, addSample, convergenceStats, emptyConvergence, emptyPosture, emptySeries, postureStats, seriesStats,
  type ConvergenceAcc, type ConvergenceStats, type PostureAcc, type PostureStats, type SeriesAcc, type SeriesStats,
} from "./stats.js";

/** The event types a dream cycle consolidates. */
export const WINDOW_TYPES: readonly EventType[] = ["LIMBIC_UPDATE", "CONVERGENCE_UPDATE", "POSTURE_CHANGE"];

/** Events written by the dream cycle itself (its decay) are not interactions. */
export const DREAM_SOURCE = "dream";

/** Where a window starts: the values in effect before its first event. */
export interface Baseline {
  fromTs: number;
  toTs: number;
  posture: PostureName | null;
  progress: number;
  completed: boolean;
}

/** Everything consolidation has learned so far; JSON, bounded, persisted between chunks. */
export interface Accumulator {
  fromTs: number;
  toTs: number;
  limbic: Record<LimbicVariable, SeriesAcc>;
  posture: PostureAcc;
  convergence: ConvergenceAcc;
  patterns: PatternAcc;
  interactions: number;
  /** Events seen that did not parse as their type (written before a schema change): skipped. */
  skipped: number;
}

export function startAccumulator(b: Baseline): Accumulator {
  return {
    fromTs: b.fromTs,
    toTs: b.toTs,
    limbic: Object.fromEntries(LIMBIC_VARIABLES.map((v) => [v, emptySeries()])) as Record<LimbicVariable, SeriesAcc>,
    posture: emptyPosture(b.posture, b.fromTs),
    convergence: emptyConvergence(b.progress, b.completed),
    patterns: emptyPatterns(b.completed),
    interactions: 0,
    skipped: 0,
  };
}

/**
 * Feeds a chunk of window events, in seq order, into the accumulator. Mutates and returns it.
 * Events of other types are ignored; malformed data is counted in `skipped`.
 */
export function feed(acc: Accumulator, events: readonly NerveEvent[]): Accumulator {
  for (const e of events) {
    let known = true;
    if (e.type === "LIMBIC_UPDATE") {
      const d = LimbicUpdateData.safeParse(e.data);
      if (!d.success) known = false;
      else {
        for (const v of LIMBIC_VARIABLES) {
          const value = d.data[v];
          if (value !== undefined) addSample(acc.limbic[v], value, e.ts, acc.fromTs);
        }
        if (d.data.valence !== undefined) seeValence(acc.patterns, d.data.valence, e.seq);
        if (d.data.arousal !== undefined) seeArousal(acc.patterns, d.data.arousal, e.seq, e.ts);
      }
    } else if (e.type === "CONVERGENCE_UPDATE") {
      const d = ConvergenceUpdateData.safeParse(e.data);
      if (!d.success) known = false;
      else {
        acc.convergence.updates += 1;
        if (d.data.progress !== undefined) acc.convergence.end = d.data.progress;
        if (d.data.completed !== undefined) acc.convergence.completed = d.data.completed;
        seeConvergence(acc.patterns, d.data.progress, d.data.completed, e.seq);
      }
    } else if (e.type === "POSTURE_CHANGE") {
      const d = PostureChangeData.safeParse(e.data);
      if (!d.success) known = false;
      else {
        addPostureChange(acc.posture, d.data.posture, e.ts);
        seePostureChange(acc.patterns, e.seq, e.ts);
      }
    } else continue;
    if (!known) acc.skipped += 1;
    else if (e.from !== DREAM_SOURCE) acc.interactions += 1;
  }
  return acc;
}

/** The consolidated figures of a window: the body of a dream report and of the processor's input. */
export interface Summary {
  window: { from: number; to: number };
  limbic: Record<LimbicVariable, SeriesStats>;
  posture: PostureStats;
  convergence: ConvergenceStats;
  interactions: number;
  skipped: number;
}

export function summarize(acc: Accumulator): Summary {
  return {
    window: { from: acc.fromTs, to: acc.toTs },
    limbic: Object.fromEntries(LIMBIC_VARIABLES.map((v) => [v, seriesStats(acc.limbic[v])])) as Record<LimbicVariable, SeriesStats>,
    posture: postureStats(acc.posture, acc.toTs),
    convergence: convergenceStats(acc.convergence),
    interactions: acc.interactions,
    skipped: acc.skipped,
  };
}

/** The built-in insights of a finished accumulation. */
export function patternsOf(acc: Accumulator): Insight[] {
  return insightsOf(acc.patterns);
}
