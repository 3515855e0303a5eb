import { describe, expect, it } from "vitest";
import { LIMBIC_DEFAULTS, type DreamReport } from "../../protocol/index.js";
import { device, uniqueUser, type Frame } from "./helpers.js";
import { dreamsOf, eventsOf, insertHistory, jobsOf, stepUntil, type HistoryRow } from "./dream-helpers.js";

const MIN = 60_000;
const HOUR = 60 * MIN;

/**
 * A known day: seqs 1-2 before the window (they set the posture and progress in effect at its
 * start), then 13 events in it, one of which (seq 13) is not a window type.
 */
function knownHistory(now: number): HistoryRow[] {
  const t0 = now - 6 * HOUR;
  return [
    { type: "POSTURE_CHANGE", ts: now - 30 * HOUR, data: { posture: "peer" } }, // 1
    { type: "CONVERGENCE_UPDATE", ts: now - 29 * HOUR, data: { progress: 0.1 } }, // 2
    { type: "LIMBIC_UPDATE", ts: t0, data: { valence: 0.2, arousal: 0.8 } }, // 3
    { type: "LIMBIC_UPDATE", ts: t0 + 10 * MIN, data: { valence: 0.25 } }, // 4
    { type: "POSTURE_CHANGE", ts: t0 + 25 * MIN, data: { posture: "companion" } }, // 5
    { type: "LIMBIC_UPDATE", ts: t0 + 30 * MIN, data: { arousal: 0.9, valence: 0.3 } }, // 6
    { type: "CONVERGENCE_UPDATE", ts: t0 + 40 * MIN, data: { progress: 0.2 } }, // 7
    { type: "POSTURE_CHANGE", ts: t0 + 50 * MIN, data: { posture: "copilot" } }, // 8
    { type: "LIMBIC_UPDATE", ts: t0 + 60 * MIN, data: { arousal: 0.75 } }, // 9
    { type: "POSTURE_CHANGE", ts: t0 + 70 * MIN, data: { posture: "peer" } }, // 10
    { type: "POSTURE_CHANGE", ts: t0 + 80 * MIN, data: { posture: "expert" } }, // 11
    { type: "CONVERGENCE_UPDATE", ts: t0 + 90 * MIN, data: { progress: 0.2 } }, // 12
    { type: "PROMPT_CHANGE", ts: t0 + 95 * MIN, data: { promptId: "p1", action: "created" } }, // 13
    { type: "CONVERGENCE_UPDATE", ts: t0 + 100 * MIN, data: { progress: 0.15 } }, // 14
    { type: "LIMBIC_UPDATE", ts: t0 + 120 * MIN, data: { trust: 0.9, arousal: 0.4 } }, // 15
  ];
}

const limbicNow = { ...LIMBIC_DEFAULTS, trust: 0.9, arousal: 0.4, valence: 0.3 };

describe("a full dream cycle", () => {
  it("streams its phases in order to every device and reports exact figures for a known history", async () => {
    const user = uniqueUser("dream");
    const now = Date.now();
    const t0 = now - 6 * HOUR;
    await insertHistory(user, knownHistory(now), { limbic: limbicNow });
    const phone = await device(user, "phone");
    const laptop = await device(user, "laptop");

    phone.client.send({ type: "DREAM_START", id: "d1", data: { note: "after a long day" } });
    const accepted = await phone.client.next("ACCEPTED");
    expect(accepted).toEqual({ type: "ACCEPTED", id: "d1", seq: 16, cycleId: expect.stringMatching(/^dc-[0-9a-f-]{36}$/) });
    const cycleId = accepted.cycleId as string;
    const queued = await laptop.client.next("DREAM_QUEUED");
    expect(queued).toEqual({ type: "DREAM_QUEUED", seq: 16, ts: expect.any(Number), from: "phone", data: { cycleId, windowHours: 24, note: "after a long day", trigger: "device", position: 1 } });

    const { frames, steps } = await stepUntil(user, laptop.client, "DREAM_RESULT");
    expect(steps).toBe(4); // decay, one consolidate chunk, patterns, result
    const strip = (f: Frame) => ({ type: f.type, seq: f.seq, from: f.from, data: f.type === "DREAM_RESULT" ? { cycleId: (f.data as { cycleId: string }).cycleId } : f.data });
    expect(frames.map(strip)).toEqual([
      { type: "LIMBIC_UPDATE", seq: 17, from: "dream", data: { arousal: 0.42, valence: 0.34 } },
      { type: "DREAM_PROGRESS", seq: 18, from: "dream", data: { cycleId, phase: "decay", processed: 1, total: 1 } },
      { type: "DREAM_PROGRESS", seq: 19, from: "dream", data: { cycleId, phase: "consolidate", processed: 12, total: 12 } },
      { type: "DREAM_PROGRESS", seq: 20, from: "dream", data: { cycleId, phase: "patterns", processed: 1, total: 1 } },
      { type: "DREAM_RESULT", seq: 21, from: "dream", data: { cycleId } },
    ]);
    // The phone sent DREAM_START, but every cycle event reaches it too.
    expect((await phone.client.next("DREAM_RESULT")).seq).toBe(21);

    const report = (frames.at(-1)!.data as { report: DreamReport }).report;
    const { from, to } = report.window;
    expect(to - from).toBe(24 * HOUR);
    // Posture: peer from the window start (seq 1 was before it), then companion, copilot, peer, expert.
    const ms = {
      peer: t0 + 25 * MIN - from + 10 * MIN,
      companion: 25 * MIN,
      copilot: 20 * MIN,
      expert: to - (t0 + 80 * MIN),
    };
    const share = (x: number) => Math.round((x / (24 * HOUR)) * 1e4) / 1e4;
    const nulls = { count: 0, mean: null, min: null, max: null, last: null, trend: null };
    expect(report).toEqual({
      cycleId,
      window: { from, to, hours: 24 },
      events: { total: 12, processed: 12, skipped: 0 },
      decay: { arousal: { from: 0.4, to: 0.42 }, valence: { from: 0.3, to: 0.34 } },
      limbic: {
        trust: { count: 1, mean: 0.9, min: 0.9, max: 0.9, last: 0.9, trend: null },
        warmth: nulls,
        arousal: { count: 4, mean: 0.7125, min: 0.4, max: 0.9, last: 0.4, trend: -0.2257 },
        valence: { count: 3, mean: 0.25, min: 0.2, max: 0.3, last: 0.3, trend: 0.1929 },
        posture: nulls, empathy: nulls, intuition: nulls, creativity: nulls, wisdom: nulls, humor: nulls,
      },
      posture: {
        shares: { companion: share(ms.companion), copilot: share(ms.copilot), peer: share(ms.peer), expert: share(ms.expert) },
        trackedMs: 24 * HOUR,
        changes: 4,
      },
      convergence: { start: 0.1, end: 0.15, gained: 0.05, updates: 3, completed: false },
      interactions: 12,
      insights: [
        { kind: "repeated-low-valence", title: "Repeated low valence", detail: "valence was at or below 0.3 3 times", evidence: [3, 4, 6] },
        { kind: "sustained-high-arousal", title: "Sustained high arousal", detail: "arousal stayed at or above 0.7 for 60 minutes over 3 updates", evidence: [3, 6, 9] },
        { kind: "posture-thrash", title: "Posture thrash", detail: "4 posture changes within 60 minutes", evidence: [5, 8, 10, 11] },
        { kind: "stalled-convergence", title: "Stalled convergence", detail: "3 convergence updates in a row without progress", evidence: [7, 12, 14] },
      ],
      notes: [],
    });
    expect(share(ms.companion)).toBe(0.0174); // 25 of 1440 minutes: the arithmetic above is not vacuous

    // The decay is a real state change; the cycle sits in the history with its report; no job is left.
    const dreams = await dreamsOf(user);
    expect(dreams).toMatchObject({ current: null, queue: [], schedule: null });
    expect(dreams!.history).toEqual([{
      cycleId, queuedAt: queued.ts, windowHours: 24, note: "after a long day", trigger: "device", by: "phone",
      status: "completed", startedAt: frames[1]!.ts, finishedAt: frames.at(-1)!.ts, report,
    }]);
    expect(await jobsOf(user)).not.toHaveProperty("dream:run");
    const decays = (await eventsOf(user, ["LIMBIC_UPDATE"])).filter((e) => e.from === "dream");
    expect(decays).toEqual([{ seq: 17, type: "LIMBIC_UPDATE", data: { arousal: 0.42, valence: 0.34 }, from: "dream" }]);
    phone.client.close();
    laptop.client.close();
  });
});
