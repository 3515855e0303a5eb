import { describe, expect, it } from "vitest";
import { EMPTY_DREAMS, readDreams, reduceDreams } from "../../durable-objects/dream/dreams-state.js";
import type { DreamsState, EventType } from "../../protocol/index.js";

const at = (ts: number, from = "phone") => ({ ts, from });
const queued = (cycleId: string) => ({ cycleId, windowHours: 24, trigger: "device", position: 1 });

function run(events: [EventType, unknown, number][]): DreamsState {
  return events.reduce<DreamsState>((s, [type, data, ts]) => reduceDreams(s, type, data, at(ts)), EMPTY_DREAMS);
}

describe("the dreams state", () => {
  it("queue -> current on the first progress -> history with the report on the result", () => {
    const s = run([
      ["DREAM_QUEUED", queued("a"), 1],
      ["DREAM_QUEUED", { ...queued("b"), note: "n" }, 2],
      ["DREAM_PROGRESS", { cycleId: "a", phase: "decay", processed: 1, total: 1 }, 3],
      ["DREAM_PROGRESS", { cycleId: "a", phase: "consolidate", processed: 5, total: 9 }, 4],
    ]);
    expect(s.current).toEqual({ cycleId: "a", queuedAt: 1, windowHours: 24, trigger: "device", by: "phone", startedAt: 3, phase: "consolidate", processed: 5, total: 9 });
    expect(s.queue.map((q) => q.cycleId)).toEqual(["b"]);
    const report = { cycleId: "a" };
    const done = reduceDreams(s, "DREAM_RESULT", { cycleId: "a", report }, at(5));
    expect(done.current).toBeNull();
    expect(done.history).toEqual([{ cycleId: "a", queuedAt: 1, windowHours: 24, trigger: "device", by: "phone", startedAt: 3, finishedAt: 5, status: "completed", report }]);
  });

  it("cancels a queued or a running cycle; an unknown one changes nothing", () => {
    const s = run([["DREAM_QUEUED", queued("a"), 1], ["DREAM_QUEUED", queued("b"), 2], ["DREAM_PROGRESS", { cycleId: "a", phase: "decay", processed: 1, total: 1 }, 3]]);
    const noB = reduceDreams(s, "DREAM_CANCELLED", { cycleId: "b", wasRunning: false }, at(4));
    expect(noB.queue).toEqual([]);
    expect(noB.history.map((h) => [h.cycleId, h.status, h.startedAt])).toEqual([["b", "cancelled", null]]);
    const noA = reduceDreams(noB, "DREAM_CANCELLED", { cycleId: "a", wasRunning: true }, at(5));
    expect(noA.current).toBeNull();
    expect(noA.history.map((h) => [h.cycleId, h.status, h.startedAt])).toEqual([["b", "cancelled", null], ["a", "cancelled", 3]]);
    expect(reduceDreams(noA, "DREAM_CANCELLED", { cycleId: "zzz", wasRunning: false }, at(6))).toEqual(noA);
  });

  it("a failure ends the running cycle, or a queued one that could not start", () => {
    const s = run([["DREAM_QUEUED", queued("a"), 1], ["DREAM_FAILED", { cycleId: "a", phase: null, error: "boom" }, 2]]);
    expect(s.queue).toEqual([]);
    expect(s.history).toEqual([{ cycleId: "a", queuedAt: 1, windowHours: 24, trigger: "device", by: "phone", startedAt: null, finishedAt: 2, status: "failed", error: "boom" }]);
  });

  it("keeps the last 20 cycles", () => {
    const events: [EventType, unknown, number][] = [];
    for (let i = 1; i <= 25; i++) events.push(["DREAM_QUEUED", queued(`c${i}`), i], ["DREAM_CANCELLED", { cycleId: `c${i}`, wasRunning: false }, i]);
    const s = run(events);
    expect(s.history.map((h) => h.cycleId)).toEqual(Array.from({ length: 20 }, (_, i) => `c${i + 6}`));
  });

  it("a nightly cycle moves the schedule's nextAt; a DREAM_SCHEDULE replaces the schedule", () => {
    const schedule = { enabled: true, hour: 3, minute: 0, utcOffsetMinutes: 0, windowHours: 24, nextAt: 100 };
    const s = run([["DREAM_SCHEDULE", schedule, 1], ["DREAM_QUEUED", { ...queued("n"), trigger: "schedule", nextAt: 200 }, 100]]);
    expect(s.schedule).toEqual({ ...schedule, nextAt: 200 });
    expect(s.queue[0]).toMatchObject({ cycleId: "n", trigger: "schedule" });
  });

  it("reads a malformed stored value as empty", () => {
    expect(readDreams({ nonsense: true })).toEqual(EMPTY_DREAMS);
    expect(readDreams(undefined)).toEqual(EMPTY_DREAMS);
  });
});
