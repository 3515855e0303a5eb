import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { DreamReport } from "../../protocol/index.js";
import { api, device, serviceToken, uniqueUser } from "./helpers.js";
import { dreamsOf, insertHistory, jobsOf, lastSeqOf, readThrough, stepDream, stepUntil } from "./dream-helpers.js";

// Runs in the "worker-dream" project: DREAM_PROCESSOR_URL points at a real HTTP server in Node
// (test/worker/dream-processor.setup.ts), DREAM_PROCESSOR_TIMEOUT_MS is 1500.
const processorUrl = (env as unknown as { DREAM_PROCESSOR_URL: string }).DREAM_PROCESSOR_URL;
const MIN = 60_000;

interface Received {
  userId: string;
  cycleId: string;
  timestamp: string;
  signature: string;
  validSignature: boolean;
  body: Record<string, unknown>;
}

async function received(user: string): Promise<Received[]> {
  const res = await fetch(`${processorUrl.replace(/\/process$/, "/received")}?userId=${encodeURIComponent(user)}`);
  expect(res.status).toBe(200);
  return res.json();
}

async function startWithHistory(user: string) {
  const now = Date.now();
  await insertHistory(user, [
    { type: "LIMBIC_UPDATE", ts: now - 50 * MIN, data: { valence: 0.1 } },
    { type: "LIMBIC_UPDATE", ts: now - 40 * MIN, data: { valence: 0.2 } },
    { type: "LIMBIC_UPDATE", ts: now - 30 * MIN, data: { valence: 0.3 } },
  ]);
  const watcher = await device(user, "watcher");
  const r = await api("/api/sync/dream", { token: await serviceToken(), body: { userId: user } });
  expect(r.status).toBe(202);
  await readThrough(watcher.client, r.json.seq);
  return { watcher, cycleId: r.json.cycleId as string };
}

/** Steps through decay, consolidate and patterns to the processor request. */
async function stepToProcessor(user: string, watcher: Awaited<ReturnType<typeof device>>) {
  const { frames } = await stepUntil(user, watcher.client, "DREAM_PROGRESS", 10);
  for (let i = 0; i < 10; i++) {
    const d = (await dreamsOf(user))!;
    if (d.current?.phase === "processor") return frames;
    const before = await lastSeqOf(user);
    await stepDream(user);
    const after = await lastSeqOf(user);
    if (after > before) frames.push(...await readThrough(watcher.client, after));
  }
  throw new Error("the cycle never reached the processor phase");
}

describe("the external dream processor", () => {
  it("gets the summary POSTed and signed; its answer through POST /api/sync/dream-result finishes the cycle", async () => {
    const user = uniqueUser("dp");
    const { watcher, cycleId } = await startWithHistory(user);
    const frames = await stepToProcessor(user, watcher);
    expect(frames.filter((f) => f.type === "DREAM_PROGRESS").map((f) => (f.data as { phase: string }).phase)).toEqual(["decay", "consolidate", "patterns", "processor"]);
    expect(frames.at(-1)!.data).toEqual({ cycleId, phase: "processor", processed: 0, total: 1 });

    const [got, ...more] = await received(user);
    expect(more).toEqual([]);
    expect(got!.validSignature).toBe(true);
    expect(got!.signature).toMatch(/^v1=[0-9a-f]{64}$/);
    expect(Math.abs(Number(got!.timestamp) - Date.now())).toBeLessThan(60_000);
    const deadline = Number(got!.timestamp) + 1500;
    expect(got!.body).toMatchObject({
      userId: user,
      cycleId,
      window: { hours: 24 },
      events: { total: 3, processed: 3 },
      summary: { limbic: { valence: { count: 3, mean: 0.2, min: 0.1, max: 0.3, last: 0.3, trend: 0.6 } }, interactions: 3 },
      insights: [{ kind: "repeated-low-valence", evidence: [1, 2, 3] }],
      deadline,
    });
    expect((await jobsOf(user))["dream:run"]).toEqual({ due: deadline, attempts: 0 });

    const token = await serviceToken();
    const insights = [{ kind: "external-theme", title: "A theme", detail: "seen from outside", evidence: [1, 3] }];
    const answer = await api("/api/sync/dream-result", { token, body: { userId: user, cycleId, insights } });
    expect(answer).toMatchObject({ status: 202, json: { seq: (await lastSeqOf(user)) } });
    const result = await watcher.client.next("DREAM_RESULT");
    expect(result.seq).toBe(answer.json.seq);
    const report = (result.data as { report: DreamReport }).report;
    expect(report.processor).toEqual({ status: "answered", insights, at: expect.any(Number) });
    expect(report.insights.map((i) => i.kind)).toEqual(["repeated-low-valence"]);
    expect(report.notes).toEqual([]);
    expect((await jobsOf(user))["dream:run"]).toBeUndefined();

    // Too late now, an unknown cycle, and a body that is not an answer.
    const again = await api("/api/sync/dream-result", { token, body: { userId: user, cycleId, insights } });
    expect(again).toEqual({ status: 409, headers: expect.anything(), json: { error: { code: "CONFLICT", retryable: false, message: `dream cycle ${cycleId} is not waiting for a processor result` } } });
    const unknown = await api("/api/sync/dream-result", { token, body: { userId: user, cycleId: "dc-nope", insights } });
    expect(unknown.status).toBe(409);
    expect(unknown.json.error.code).toBe("CONFLICT");
    const bad = await api("/api/sync/dream-result", { token, body: { userId: user, cycleId, insights: [{ title: "no kind" }] } });
    expect(bad.status).toBe(400);
    expect(bad.json.error.issues).toEqual([{ path: "insights.0.kind", message: expect.any(String) }]);
    watcher.client.close();
  });

  it("without an answer before the timeout, the cycle finishes with the built-in report and says so", async () => {
    const user = uniqueUser("dp");
    const { watcher, cycleId } = await startWithHistory(user);
    await stepToProcessor(user, watcher);
    expect(await received(user)).toHaveLength(1);
    // No answer: the alarm at the deadline (1.5 s) finishes the cycle by itself.
    const result = await watcher.client.next("DREAM_RESULT", 10_000);
    const report = (result.data as { report: DreamReport }).report;
    expect(report.cycleId).toBe(cycleId);
    expect(report.processor).toEqual({ status: "timeout", at: expect.any(Number) });
    expect(report.notes).toEqual(["the dream processor did not answer within 1500 ms; this is the built-in report"]);
    expect(report.insights.map((i) => i.kind)).toEqual(["repeated-low-valence"]);
    const late = await api("/api/sync/dream-result", { token: await serviceToken(), body: { userId: user, cycleId, insights: [] } });
    expect(late.status).toBe(409);
    watcher.client.close();
  });

  it("a processor that keeps refusing is retried with backoff, then the cycle fails with DREAM_FAILED", async () => {
    const user = uniqueUser("fail-dp"); // the test processor answers 500 for these users
    const { watcher, cycleId } = await startWithHistory(user);
    const { frames } = await stepUntil(user, watcher.client, "DREAM_FAILED", 10);
    expect(frames.filter((f) => f.type === "DREAM_PROGRESS").map((f) => (f.data as { phase: string }).phase)).toEqual(["decay", "consolidate", "patterns"]);
    expect(frames.at(-1)).toMatchObject({ type: "DREAM_FAILED", from: "dream", data: { cycleId, phase: "processor", error: "the dream processor answered 500" } });
    // Four tries in all (the first and three retries), each a real request that the server saw.
    expect((await received(user)).map((r) => [r.cycleId, r.validSignature])).toEqual(Array.from({ length: 4 }, () => [cycleId, true]));
    expect((await dreamsOf(user))!.history).toEqual([expect.objectContaining({ cycleId, status: "failed", error: "the dream processor answered 500" })]);
    expect((await jobsOf(user))["dream:run"]).toBeUndefined();
    watcher.client.close();
  });

  it("an answer that arrives before the processor's HTTP answer (or after a refused try) still finishes the cycle", async () => {
    const user = uniqueUser("fail-early"); // the request itself gets 500
    const { watcher, cycleId } = await startWithHistory(user);
    await stepUntil(user, watcher.client, "DREAM_PROGRESS", 10); // decay
    await stepDream(user); // consolidate
    await stepDream(user); // patterns
    await stepDream(user); // the first try of the request: refused, to be retried
    // The retry is due 1 s later and may already have run by itself: at least one refused try.
    expect((await received(user)).length).toBeGreaterThanOrEqual(1);
    expect((await jobsOf(user))["dream:run"]!.attempts).toBeGreaterThanOrEqual(1);
    expect((await dreamsOf(user))!.current).toMatchObject({ cycleId, phase: "patterns" });
    const answer = await api("/api/sync/dream-result", { token: await serviceToken(), body: { userId: user, cycleId, insights: [] } });
    expect(answer.status).toBe(202);
    const result = await watcher.client.next("DREAM_RESULT");
    expect((result.data as { report: DreamReport }).report.processor).toEqual({ status: "answered", insights: [], at: expect.any(Number) });
    expect((await jobsOf(user))["dream:run"]).toBeUndefined();
    watcher.client.close();
  });
});
