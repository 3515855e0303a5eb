import { describe, expect, it } from "vitest";
import { emptyPatterns, insightsOf, RULES, seeArousal, seeConvergence, seePostureChange, seeValence } from "../../durable-objects/dream/patterns.js";

const MIN = 60_000;

describe("repeated low valence", () => {
  it("fires at 3 samples at or below 0.3, with their seqs", () => {
    const acc = emptyPatterns(false);
    seeValence(acc, 0.3, 4);
    seeValence(acc, 0.31, 5);
    seeValence(acc, 0.1, 9);
    expect(insightsOf(acc)).toEqual([]);
    seeValence(acc, 0.29, 12);
    expect(insightsOf(acc)).toEqual([{ kind: "repeated-low-valence", title: "Repeated low valence", detail: "valence was at or below 0.3 3 times", evidence: [4, 9, 12] }]);
  });

  it("keeps at most 10 evidence seqs, the last one included", () => {
    const acc = emptyPatterns(false);
    for (let seq = 1; seq <= 25; seq++) seeValence(acc, 0.1, seq);
    expect(insightsOf(acc)[0]!.evidence).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 25]);
    expect(insightsOf(acc)[0]!.detail).toBe("valence was at or below 0.3 25 times");
  });
});

describe("sustained high arousal", () => {
  it("needs an unbroken run at or above 0.7 lasting 30 minutes", () => {
    const acc = emptyPatterns(false);
    seeArousal(acc, 0.8, 1, 0);
    seeArousal(acc, 0.9, 2, 29 * MIN);
    expect(insightsOf(acc)).toEqual([]);
    seeArousal(acc, 0.5, 3, 30 * MIN); // breaks the run
    seeArousal(acc, 0.7, 4, 40 * MIN);
    seeArousal(acc, 0.71, 5, 70 * MIN);
    expect(insightsOf(acc)).toEqual([{ kind: "sustained-high-arousal", title: "Sustained high arousal", detail: "arousal stayed at or above 0.7 for 30 minutes over 2 updates", evidence: [4, 5] }]);
  });

  it("a single high sample, however long ago the run began, is not a run", () => {
    const acc = emptyPatterns(false);
    seeArousal(acc, 0.95, 1, 0);
    expect(insightsOf(acc)).toEqual([]);
  });
});

describe("posture thrash", () => {
  it("fires on 4 changes within 60 minutes, not on 4 spread wider", () => {
    const spread = emptyPatterns(false);
    [0, 20, 40, 60].forEach((m, i) => seePostureChange(spread, i + 1, m * MIN));
    expect(insightsOf(spread)).toEqual([]);
    const tight = emptyPatterns(false);
    [0, 20, 40, 59].forEach((m, i) => seePostureChange(tight, i + 10, m * MIN));
    expect(insightsOf(tight)).toEqual([{ kind: "posture-thrash", title: "Posture thrash", detail: "4 posture changes within 60 minutes", evidence: [10, 11, 12, 13] }]);
  });
});

describe("stalled convergence", () => {
  it("fires on 3 progress updates in a row without a gain, unless completed", () => {
    const acc = emptyPatterns(false);
    seeConvergence(acc, 0.2, undefined, 1);
    seeConvergence(acc, 0.3, undefined, 2); // a gain: the run restarts here
    seeConvergence(acc, undefined, undefined, 3); // no progress field: not a sample
    seeConvergence(acc, 0.3, undefined, 4);
    expect(insightsOf(acc)).toEqual([]);
    seeConvergence(acc, 0.25, undefined, 5);
    expect(insightsOf(acc)).toEqual([{ kind: "stalled-convergence", title: "Stalled convergence", detail: "3 convergence updates in a row without progress", evidence: [2, 4, 5] }]);
    seeConvergence(acc, undefined, true, 6);
    expect(insightsOf(acc)).toEqual([]);
  });
});

describe("every insight", () => {
  it("has at least two evidence seqs, in a fixed rule order", () => {
    const acc = emptyPatterns(false);
    for (let i = 0; i < 5; i++) {
      seeValence(acc, 0.1, 100 + i);
      seeArousal(acc, 0.9, 200 + i, i * 10 * MIN);
      seePostureChange(acc, 300 + i, i * MIN);
      seeConvergence(acc, 0.5, undefined, 400 + i);
    }
    const insights = insightsOf(acc);
    expect(insights.map((i) => i.kind)).toEqual(["repeated-low-valence", "sustained-high-arousal", "posture-thrash", "stalled-convergence"]);
    for (const i of insights) expect(i.evidence!.length).toBeGreaterThanOrEqual(2);
    expect(RULES.maxEvidence).toBe(10);
  });
});
