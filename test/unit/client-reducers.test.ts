/**
 * The client rebuilds state from events with the server's reducers (protocol/), after validating
 * the data. These tests hold the client's validating path to the server's: same inputs, same outputs.
 */
import { describe, expect, it } from "vitest";
import { reduce, stateKeyOf, UNKNOWN } from "../../client/reducers.js";
import { reduceState, stateKeyOf as serverKeyOf } from "../../protocol/index.js";
import { EMPTY_DREAMS, reduceDreams as serverDreams } from "../../durable-objects/dream/dreams-state.js";
import type { EventType } from "../../protocol/index.js";

const ctx = { ts: 1_700_000_000_000, from: "phone", seq: 7 };

const cases: [EventType, unknown, unknown][] = [
  ["SHOOT_PROGRESS", undefined, { shootId: "s1", status: "processing", processedCount: 3, totalCount: 9, eta: 12 }],
  ["CREDIT_UPDATE", { newBalance: 1, change: 1, reason: "x", updatedAt: 1 }, { newBalance: 90, change: -10, reason: "cull" }],
  ["LIMBIC_UPDATE", undefined, { trust: 0.9 }],
  ["LIMBIC_UPDATE", { trust: 0.9, warmth: 0.1, arousal: 0.5, valence: 0.5, posture: 0.5, empathy: 0.5, intuition: 0.5, creativity: 0.5, wisdom: 0.5, humor: 0.5 }, { warmth: 0.7, humor: 0 }],
  ["CONVERGENCE_UPDATE", undefined, { currentQuestion: 3, answers: { q1: "a" } }],
  ["CONVERGENCE_UPDATE", { currentQuestion: 3, progress: 0.2, connectionStrength: 0, imprintingLevel: 0, synchronization: 0, heartResonance: 0, answers: { q1: "a" }, completed: false }, { answers: { q2: "b" }, completed: true }],
  ["POSTURE_CHANGE", undefined, { posture: "peer", reason: "asked", confidence: 0.8 }],
  ["POSTURE_CHANGE", { posture: "peer", changedAt: 1, by: "x", history: [{ from: null, to: "peer", at: 1, by: "x", seq: 1 }] }, { posture: "expert" }],
];

describe("client reducers match the server's", () => {
  for (const [type, current, data] of cases) {
    it(`${type} from ${current === undefined ? "nothing" : "a value"}`, () => {
      expect(stateKeyOf(type, data)).toBe(serverKeyOf(type, data));
      // JSON round trip: what the server stores and sends drops undefined fields.
      expect(JSON.parse(JSON.stringify(reduce(type, current, data, ctx)))).toEqual(JSON.parse(JSON.stringify(reduceState(type, current, data, ctx))));
    });
  }

  it("a whole dream cycle, event by event", () => {
    const report = {
      cycleId: "dc-1", window: { from: 0, to: 1, hours: 24 }, events: { total: 0, processed: 0, skipped: 0 },
      decay: { arousal: { from: 0.5, to: 0.5 }, valence: { from: 0.5, to: 0.5 } }, limbic: {},
      posture: { shares: { companion: 0, copilot: 0, peer: 1, expert: 0 }, trackedMs: 0, changes: 0 }, convergence: { start: 0, end: 0, gained: 0, updates: 0, completed: false },
      interactions: 0, insights: [], notes: [],
    };
    const steps: [EventType, unknown][] = [
      ["DREAM_SCHEDULE", { enabled: true, hour: 3, minute: 0, utcOffsetMinutes: 60, windowHours: 24, nextAt: 99 }],
      ["DREAM_QUEUED", { cycleId: "dc-1", windowHours: 24, note: "n", trigger: "device", position: 1 }],
      ["DREAM_QUEUED", { cycleId: "dc-2", windowHours: 12, trigger: "service", position: 2 }],
      ["DREAM_PROGRESS", { cycleId: "dc-1", phase: "decay", processed: 1, total: 1 }],
      ["DREAM_PROGRESS", { cycleId: "dc-1", phase: "consolidate", processed: 5, total: 10 }],
      ["DREAM_CANCELLED", { cycleId: "dc-2", wasRunning: false }],
      ["DREAM_RESULT", { cycleId: "dc-1", report }],
      ["DREAM_QUEUED", { cycleId: "dc-3", windowHours: 24, trigger: "schedule", position: 1, nextAt: 199 }],
      ["DREAM_FAILED", { cycleId: "dc-3", phase: null, error: "boom" }],
    ];
    let client: unknown = undefined;
    let server: unknown = EMPTY_DREAMS;
    for (const [i, [type, data]] of steps.entries()) {
      const c = { ts: 1000 + i, from: "dream" };
      client = reduce(type, client, data, { ...c, seq: i + 1 });
      server = serverDreams(server, type, data, c);
      expect({ step: i, type, value: client }).toEqual({ step: i, type, value: server });
    }
    expect((server as { history: unknown[] }).history.length).toBe(3);
  });

  it("data it cannot read is UNKNOWN, never a corrupt value", () => {
    expect(reduce("LIMBIC_UPDATE", undefined, { trust: 7 }, ctx)).toBe(UNKNOWN);
    expect(reduce("DREAM_PROGRESS", { nonsense: true }, { cycleId: "dc-1", phase: "decay", processed: 1, total: 1 }, ctx)).toBe(UNKNOWN);
    expect(reduce("PROMPT_CHANGE", undefined, { promptId: "p", action: "created" }, ctx)).toBe(UNKNOWN);
  });
});
