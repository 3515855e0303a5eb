import { describe, expect, it } from "vitest";
import { feed, startAccumulator, summarize } from "../../durable-objects/dream/consolidate.js";
import {
  addPostureChange, addSample, convergenceStats, emptyConvergence, emptyPosture, emptySeries, postureStats, seriesStats,
} from "../../durable-objects/dream/stats.js";
import type { EventType, NerveEvent } from "../../protocol/index.js";

const H = 3_600_000;

function series(samples: [hours: number, value: number][], fromTs = 1_000_000) {
  const acc = emptySeries();
  for (const [h, v] of samples) addSample(acc, v, fromTs + h * H, fromTs);
  return seriesStats(acc);
}

describe("series statistics", () => {
  it("mean, min, max, last and the least-squares trend per hour", () => {
    expect(series([[0, 0.8], [0.5, 0.9], [1, 0.75], [2, 0.4]])).toEqual({ count: 4, mean: 0.7125, min: 0.4, max: 0.9, last: 0.4, trend: -0.2257 });
    expect(series([[0, 0.2], [1 / 6, 0.25], [0.5, 0.3]])).toEqual({ count: 3, mean: 0.25, min: 0.2, max: 0.3, last: 0.3, trend: 0.1929 });
  });

  it("a perfect line gives its slope exactly; the trend does not depend on where the window starts", () => {
    expect(series([[0, 0.1], [1, 0.2], [2, 0.3], [3, 0.4]]).trend).toBe(0.1);
    expect(series([[20, 0.1], [21, 0.2], [22, 0.3], [23, 0.4]], Date.UTC(2026, 0, 1)).trend).toBe(0.1);
    expect(series([[0, 0.9], [4, 0.1]]).trend).toBe(-0.2);
  });

  it("no samples: count 0 and nulls; one sample or one instant: no trend", () => {
    expect(series([])).toEqual({ count: 0, mean: null, min: null, max: null, last: null, trend: null });
    expect(series([[1, 0.7]])).toEqual({ count: 1, mean: 0.7, min: 0.7, max: 0.7, last: 0.7, trend: null });
    expect(series([[1, 0.2], [1, 0.6]]).trend).toBeNull();
  });

  it("a flat series has trend 0, not -0", () => {
    expect(Object.is(series([[0, 0.5], [1, 0.5], [2, 0.5]]).trend, 0)).toBe(true);
  });
});

describe("posture shares", () => {
  it("counts time from the window start in the posture in effect, to the window end", () => {
    const acc = emptyPosture("peer", 0);
    addPostureChange(acc, "companion", 6 * H);
    addPostureChange(acc, "expert", 12 * H);
    expect(postureStats(acc, 24 * H)).toEqual({ shares: { companion: 0.25, copilot: 0, peer: 0.25, expert: 0.5 }, trackedMs: 24 * H, changes: 2 });
    // Pure: asking again gives the same answer.
    expect(postureStats(acc, 24 * H).shares.expert).toBe(0.5);
  });

  it("an unknown starting posture is not counted: tracking starts at the first change", () => {
    const acc = emptyPosture(null, 0);
    addPostureChange(acc, "copilot", 20 * H);
    expect(postureStats(acc, 24 * H)).toEqual({ shares: { companion: 0, copilot: 1, peer: 0, expert: 0 }, trackedMs: 4 * H, changes: 1 });
    expect(postureStats(emptyPosture(null, 0), 24 * H)).toEqual({ shares: { companion: 0, copilot: 0, peer: 0, expert: 0 }, trackedMs: 0, changes: 0 });
  });
});

describe("convergence progress", () => {
  it("gained is end minus start, rounded; a reset is negative", () => {
    expect(convergenceStats({ ...emptyConvergence(0.1, false), end: 0.45, updates: 3 })).toEqual({ start: 0.1, end: 0.45, gained: 0.35, updates: 3, completed: false });
    expect(convergenceStats({ ...emptyConvergence(0.6, false), end: 0, updates: 1 }).gained).toBe(-0.6);
  });
});

describe("feeding chunks", () => {
  const ev = (seq: number, type: EventType, hours: number, data: unknown, from = "phone"): NerveEvent => ({ seq, type, ts: hours * H, data, from });
  const events = [
    ev(1, "LIMBIC_UPDATE", 1, { trust: 0.6, arousal: 0.5 }),
    ev(2, "SHOOT_PROGRESS", 2, { shootId: "s", status: "queued", processedCount: 0, totalCount: 1 }),
    ev(3, "CONVERGENCE_UPDATE", 3, { progress: 0.3, answers: { q1: "yes" } }),
    ev(4, "POSTURE_CHANGE", 4, { posture: "expert" }),
    ev(5, "LIMBIC_UPDATE", 5, { trust: 2 }), // out of range: skipped, not counted
    ev(6, "LIMBIC_UPDATE", 6, { arousal: 0.42, valence: 0.34 }, "dream"), // the cycle's own decay: not an interaction
    ev(7, "LIMBIC_UPDATE", 7, { trust: 0.8 }),
  ];
  const fresh = () => startAccumulator({ fromTs: 0, toTs: 24 * H, posture: null, progress: 0, completed: false });

  it("one chunk or many give the same summary", () => {
    const whole = summarize(feed(fresh(), events));
    let acc = fresh();
    for (const e of events) acc = JSON.parse(JSON.stringify(feed(acc, [e]))); // persisted between chunks
    expect(summarize(acc)).toEqual(whole);
    expect(whole.limbic.trust).toEqual({ count: 2, mean: 0.7, min: 0.6, max: 0.8, last: 0.8, trend: 0.0333 });
    expect(whole.limbic.arousal).toEqual({ count: 2, mean: 0.46, min: 0.42, max: 0.5, last: 0.42, trend: -0.016 });
    expect(whole.convergence).toEqual({ start: 0, end: 0.3, gained: 0.3, updates: 1, completed: false });
    expect(whole.posture).toEqual({ shares: { companion: 0, copilot: 0, peer: 0, expert: 1 }, trackedMs: 20 * H, changes: 1 });
    expect(whole.interactions).toBe(4);
    expect(whole.skipped).toBe(1);
  });
});
