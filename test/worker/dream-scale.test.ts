import { evictDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { DREAM_DEFAULTS } from "../../durable-objects/dream/config.js";
import { POSTURES, type DreamReport } from "../../protocol/index.js";
import { api, device, serviceToken, uniqueUser, type Frame } from "./helpers.js";
import { dreamsOf, eventsOf, hub, insertHistory, lastSeqOf, readThrough, stepDream, type HistoryRow } from "./dream-helpers.js";

// Runs in the "worker-dream" project, whose EVENT_RETENTION_COUNT (200000) keeps a 100k history.
const N = 100_000;
const SPAN_MS = 20 * 3_600_000;

function bigHistory(now: number): HistoryRow[] {
  const rows: HistoryRow[] = [];
  for (let i = 0; i < N; i++) {
    const ts = now - SPAN_MS + Math.floor((i * SPAN_MS) / N);
    const k = i % 5;
    if (k < 3) rows.push({ type: "LIMBIC_UPDATE", ts, data: { arousal: (i % 100) / 100, valence: 0.5, trust: 0.7 } });
    else if (k === 3) rows.push({ type: "CONVERGENCE_UPDATE", ts, data: { progress: Math.min(1, i / N) } });
    else rows.push({ type: "POSTURE_CHANGE", ts, data: { posture: POSTURES[(i / 5) % 4 | 0]! } });
  }
  return rows;
}

describe("a 100,000-event history", () => {
  it("is consolidated in bounded chunks over many alarms, with monotonic progress, surviving evictions, one decay", async () => {
    const user = uniqueUser("big");
    await insertHistory(user, bigHistory(Date.now()));
    const watcher = await device(user, "watcher", { topics: "dream" });
    const started = await api("/api/sync/dream", { token: await serviceToken(), body: { userId: user } });
    expect(started.status).toBe(202);
    const cycleId = started.json.cycleId as string;
    await readThrough(watcher.client, started.json.seq);

    const progress: { phase: string; processed: number; total: number }[] = [];
    const alarmMs: number[] = [];
    for (let step = 1; step <= 200; step++) {
      const before = await lastSeqOf(user);
      const t = Date.now();
      expect(await stepDream(user)).toBe(true);
      alarmMs.push(Date.now() - t);
      const after = await lastSeqOf(user);
      const frames: Frame[] = after > before ? await readThrough(watcher.client, after) : [];
      for (const f of frames) if (f.type === "DREAM_PROGRESS") progress.push(f.data as (typeof progress)[number]);
      if (step % 7 === 0) await evictDurableObject(hub(user));
      if (progress.at(-1)?.phase === "processor") break;
    }
    const consolidate = progress.filter((p) => p.phase === "consolidate");
    const chunk = DREAM_DEFAULTS.chunkSize;
    // The window's log rows are seqs 1..N+1 (N+1 is the DREAM_QUEUED of this cycle, not a window type).
    const chunks = Math.ceil((N + 1) / chunk);
    expect(consolidate).toHaveLength(chunks);
    consolidate.forEach((p, i) => expect(p).toEqual({ cycleId, phase: "consolidate", processed: Math.min((i + 1) * chunk, N), total: N }));
    expect(progress.map((p) => p.phase)).toEqual(["decay", ...consolidate.map(() => "consolidate"), "patterns", "processor"]);

    // The processor (the test's HTTP server) got the summary; answer for it.
    const answer = await api("/api/sync/dream-result", { token: await serviceToken(), body: { userId: user, cycleId, insights: [] } });
    expect(answer.status).toBe(202);
    const result = await watcher.client.next("DREAM_RESULT");
    const report = (result.data as { report: DreamReport }).report;
    expect(report.events).toEqual({ total: N, processed: N, skipped: 0 });
    expect(report.interactions).toBe(N);
    expect(report.limbic.arousal!.count).toBe(0.6 * N);
    expect(report.limbic.trust).toEqual({ count: 0.6 * N, mean: 0.7, min: 0.7, max: 0.7, last: 0.7, trend: 0 });
    expect(report.convergence).toMatchObject({ updates: 0.2 * N, end: (N - 2) / N });
    expect(report.posture.changes).toBe(0.2 * N);
    // Arousal climbs to 0.99 every 100 events (72 s): never 30 minutes high. Posture changes every 3.6 s.
    expect(report.insights.map((i) => i.kind)).toEqual(["posture-thrash"]);
    expect(report.processor).toEqual({ status: "answered", insights: [], at: expect.any(Number) });
    expect((await eventsOf(user, ["LIMBIC_UPDATE"])).filter((e) => e.from === "dream")).toHaveLength(1);
    expect((await dreamsOf(user))!.current).toBeNull();

    // Wall time of each alarm through the test harness (not asserted: speed is for benchmarks).
    const sorted = [...alarmMs.slice(1, 1 + chunks)].sort((a, b) => a - b);
    console.log(`dream consolidate: ${chunks} chunks of ${chunk} rows; alarm wall time ms min ${sorted[0]} median ${sorted[sorted.length >> 1]} max ${sorted.at(-1)}; decay alarm ${alarmMs[0]} ms`);
    watcher.client.close();
  });
});
