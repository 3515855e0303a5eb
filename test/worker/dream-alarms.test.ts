import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { api, device, serviceToken, uniqueUser } from "./helpers.js";
import { dreamsOf, eventsOf, hub, insertHistory, jobsOf, stepDream, stepUntil, type HistoryRow } from "./dream-helpers.js";

const MIN = 60_000;

function history(now: number, n: number): HistoryRow[] {
  return Array.from({ length: n }, (_, i) => ({ type: "LIMBIC_UPDATE" as const, ts: now - (n - i) * MIN, data: { arousal: 0.9, valence: 0.1 } }));
}

async function startCycle(user: string): Promise<string> {
  const r = await api("/api/sync/dream", { token: await serviceToken(), body: { userId: user } });
  expect(r.status).toBe(202);
  return r.json.cycleId as string;
}

const decaysOf = async (user: string) => (await eventsOf(user, ["LIMBIC_UPDATE"])).filter((e) => e.from === "dream");

describe("dream cycles and at-least-once alarms", () => {
  it("a repeated alarm for the same job never applies the decay twice: the rerun moves on to the next phase", async () => {
    const user = uniqueUser("da");
    await insertHistory(user, history(Date.now(), 30), { limbic: { trust: 0.5, warmth: 0.5, arousal: 0.9, valence: 0.1, posture: 0.5, empathy: 0.5, intuition: 0.5, creativity: 0.5, wisdom: 0.5, humor: 0.5 } });
    const cycleId = await startCycle(user);
    // Run the handler for the due job, then put the job row back as it was, as if the runtime
    // had lost the alarm's completion and delivered it again; then run it again.
    const phases = await runInDurableObject(hub(user), async (instance, state) => {
      const sql = state.storage.sql;
      sql.exec("UPDATE jobs SET due = ? WHERE id = 'dream:run'", Date.now());
      const job = sql.exec<{ due: number }>("SELECT due FROM jobs WHERE id = 'dream:run'").one();
      await instance.alarm();
      const afterFirst = JSON.parse(sql.exec<{ value: string }>("SELECT value FROM state WHERE key = 'dreams'").one().value).current.phase as string;
      sql.exec("UPDATE jobs SET due = ?, attempts = 0 WHERE id = 'dream:run'", job.due);
      await instance.alarm();
      const afterSecond = JSON.parse(sql.exec<{ value: string }>("SELECT value FROM state WHERE key = 'dreams'").one().value).current.phase as string;
      return [afterFirst, afterSecond];
    });
    expect(phases).toEqual(["decay", "consolidate"]);
    // And the runtime's own alarm, run twice, finds nothing due the second time.
    expect(await runDurableObjectAlarm(hub(user))).toBe(true);
    expect(await runDurableObjectAlarm(hub(user))).toBe(true);
    expect((await dreamsOf(user))!.current).toMatchObject({ cycleId, phase: "consolidate", processed: 30, total: 30 });
    expect(await decaysOf(user)).toEqual([{ seq: 32, type: "LIMBIC_UPDATE", data: { arousal: 0.82, valence: 0.18 }, from: "dream" }]);
  });

  it("survives eviction after every step: resumes from the saved cursor, one decay, same report as without eviction", async () => {
    const now = Date.now();
    const reports = [];
    for (const evict of [false, true]) {
      const user = uniqueUser("de");
      await insertHistory(user, history(now, 40));
      const watcher = await device(user, "watcher");
      const cycleId = await startCycle(user);
      let steps = 0;
      for (;;) {
        expect(await stepDream(user)).toBe(true);
        steps += 1;
        if (evict) await evictDurableObject(hub(user));
        const d = (await dreamsOf(user))!;
        if (d.history.length) break;
        expect(d.current).toMatchObject({ cycleId });
      }
      expect(steps).toBe(4);
      expect(await decaysOf(user)).toHaveLength(1);
      expect((await jobsOf(user))["dream:run"]).toBeUndefined();
      const { report } = (await dreamsOf(user))!.history[0]!;
      reports.push({ ...report!, cycleId: "x", window: { ...report!.window, from: 0, to: 0 } });
      watcher.client.close();
    }
    expect(reports[1]).toEqual(reports[0]);
    expect(reports[0]!.events).toEqual({ total: 40, processed: 40, skipped: 0 });
    expect(reports[0]!.limbic.arousal).toEqual({ count: 40, mean: 0.9, min: 0.9, max: 0.9, last: 0.9, trend: 0 });
  });

  it("a device reconnecting mid-cycle sees the current progress in the dreams key of its STATE", async () => {
    const user = uniqueUser("dr");
    await insertHistory(user, history(Date.now(), 12));
    const phone = await device(user, "phone");
    const cycleId = await startCycle(user);
    await stepDream(user); // decay
    await stepDream(user); // the one consolidate chunk
    phone.client.close();
    await evictDurableObject(hub(user));
    const back = await device(user, "phone", { since: 13 });
    const state = back.catchUp.find((f) => f.type === "STATE")!;
    expect(state).toMatchObject({ reset: false, state: { dreams: { current: { cycleId, phase: "consolidate", processed: 12, total: 12 }, queue: [] } } });
    // Critical keys first: the dream's decay changed limbic, which comes before dreams.
    expect(Object.keys(state.state as object)).toEqual(["limbic", "dreams"]);
    const rest = await stepUntil(user, back.client, "DREAM_RESULT");
    expect(rest.frames.map((f) => f.type)).toEqual(["DREAM_PROGRESS", "DREAM_RESULT"]);
    back.client.close();
  });

  it("a step that keeps failing is retried with backoff, then the cycle ends with DREAM_FAILED and the next one starts", async () => {
    const user = uniqueUser("df");
    const watcher = await device(user, "watcher");
    const a = await startCycle(user);
    const b = await startCycle(user);
    await stepDream(user); // decay of a
    // Corrupt a's saved work so that its next step cannot run.
    await runInDurableObject(hub(user), (_i, state) => {
      state.storage.sql.exec("UPDATE dream_work SET work = '{\"cycleId\":1}' WHERE cycle_id = ?", a);
    });
    const dues: { attempts: number; delay: number }[] = [];
    for (let i = 0; i < 3; i++) {
      const before = Date.now();
      await stepDream(user);
      const job = (await jobsOf(user))["dream:run"]!;
      dues.push({ attempts: job.attempts, delay: Math.round((job.due - before) / 1000) });
    }
    expect(dues.map((d) => d.attempts)).toEqual([1, 2, 3]);
    expect(dues.map((d) => d.delay)).toEqual([1, 2, 4]);
    const { frames } = await stepUntil(user, watcher.client, "DREAM_FAILED");
    const failed = frames.find((f) => f.type === "DREAM_FAILED")!;
    expect(failed).toMatchObject({ from: "dream", data: { cycleId: a, phase: "decay", error: `the saved work of dream cycle ${a} is malformed` } });
    const dreams = (await dreamsOf(user))!;
    expect(dreams.history).toEqual([expect.objectContaining({ cycleId: a, status: "failed", error: (failed.data as { error: string }).error })]);
    expect(dreams.queue.map((q) => q.cycleId)).toEqual([b]);
    expect((await jobsOf(user))["dream:run"]).toMatchObject({ attempts: 0 });
    watcher.client.close();
  });
});
