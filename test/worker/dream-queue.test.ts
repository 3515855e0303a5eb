import { describe, expect, it } from "vitest";
import { DREAM_QUEUE_LIMIT } from "../../protocol/index.js";
import { api, device, serviceToken, uniqueUser } from "./helpers.js";
import { dreamsOf, eventsOf, jobsOf, lastSeqOf, readThrough, stepDream, stepUntil } from "./dream-helpers.js";

describe("the dream queue", () => {
  it("holds DREAM_QUEUE_LIMIT waiting cycles; one more is refused with QUEUE_FULL, over WebSocket and HTTP", async () => {
    const user = uniqueUser("dq");
    const phone = await device(user, "phone");
    const token = await serviceToken();
    const ids: string[] = [];
    for (let i = 1; i <= DREAM_QUEUE_LIMIT; i++) {
      phone.client.send({ type: "DREAM_START", id: `s${i}`, data: { windowHours: i } });
      const ok = await phone.client.next("ACCEPTED");
      expect(ok).toEqual({ type: "ACCEPTED", id: `s${i}`, seq: i, cycleId: expect.any(String) });
      ids.push(ok.cycleId as string);
    }
    phone.client.send({ type: "DREAM_START", id: "s-full", data: {} });
    expect(await phone.client.next("ERROR")).toEqual({ type: "ERROR", id: "s-full", code: "QUEUE_FULL", retryable: true, message: "5 dream cycles are already waiting (limit 5); cancel one or wait" });
    const http = await api("/api/sync/dream", { token, body: { userId: user, note: "from a service" } });
    expect(http.status).toBe(429);
    expect(http.json).toEqual({ error: { code: "QUEUE_FULL", retryable: true, message: "5 dream cycles are already waiting (limit 5); cancel one or wait" } });
    // The refusals changed nothing.
    expect(await lastSeqOf(user)).toBe(DREAM_QUEUE_LIMIT);
    expect((await dreamsOf(user))!.queue.map((q) => q.cycleId)).toEqual(ids);

    // Once the head starts running it no longer waits: there is room for one more.
    expect(await stepDream(user)).toBe(true);
    const more = await api("/api/sync/dream", { token, body: { userId: user, note: "from a service" } });
    expect(more.status).toBe(202);
    expect(more.json).toEqual({ cycleId: expect.stringMatching(/^dc-/), seq: DREAM_QUEUE_LIMIT + 3 });
    const dreams = (await dreamsOf(user))!;
    expect(dreams.current).toMatchObject({ cycleId: ids[0], phase: "decay", processed: 1, total: 1, windowHours: 1 });
    expect(dreams.queue.map((q) => q.cycleId)).toEqual([...ids.slice(1), more.json.cycleId]);
    expect(dreams.queue.at(-1)).toMatchObject({ trigger: "service", by: "test-service", note: "from a service", windowHours: 24 });
    phone.client.close();
  });

  it("POST /api/sync/dream validates its body and honours Idempotency-Key", async () => {
    const user = uniqueUser("dq");
    const token = await serviceToken();
    const bad = await api("/api/sync/dream", { token, body: { userId: user, windowHours: 0 } });
    expect(bad.status).toBe(400);
    expect(bad.json.error.code).toBe("INVALID_BODY");
    expect(bad.json.error.issues).toEqual([{ path: "windowHours", message: expect.any(String) }]);
    const headers = { "Idempotency-Key": "dream-1" };
    const first = await api("/api/sync/dream", { token, body: { userId: user }, headers });
    const again = await api("/api/sync/dream", { token, body: { userId: user }, headers });
    expect(first).toMatchObject({ status: 202, json: { cycleId: expect.any(String), seq: 1 } });
    expect(again).toMatchObject({ status: 202, json: { ...first.json, duplicate: true } });
    expect((await dreamsOf(user))!.queue).toHaveLength(1);
    const readOnly = await api("/api/sync/dream", { token: await serviceToken("sync:read"), body: { userId: user } });
    expect(readOnly.status).toBe(403);
  });

  it("runs cycles one at a time, first in first out", async () => {
    const user = uniqueUser("dq");
    const watcher = await device(user, "watcher");
    const token = await serviceToken();
    const a = (await api("/api/sync/dream", { token, body: { userId: user, note: "a" } })).json.cycleId as string;
    const b = (await api("/api/sync/dream", { token, body: { userId: user, note: "b" } })).json.cycleId as string;
    await readThrough(watcher.client, 2);
    const first = await stepUntil(user, watcher.client, "DREAM_RESULT");
    const cycleIds = first.frames.filter((f) => f.type.startsWith("DREAM_")).map((f) => (f.data as { cycleId: string }).cycleId);
    expect(new Set(cycleIds)).toEqual(new Set([a]));
    const dreams = (await dreamsOf(user))!;
    expect(dreams.history.map((h) => [h.cycleId, h.status])).toEqual([[a, "completed"]]);
    expect(dreams.queue.map((q) => q.cycleId)).toEqual([b]);
    const second = await stepUntil(user, watcher.client, "DREAM_RESULT");
    expect(second.frames.at(-1)!.data).toMatchObject({ cycleId: b });
    expect((await jobsOf(user))["dream:run"]).toBeUndefined();
    watcher.client.close();
  });
});

describe("DREAM_CANCEL", () => {
  it("cancels a queued cycle: it leaves the queue and never runs", async () => {
    const user = uniqueUser("dc");
    const phone = await device(user, "phone");
    const laptop = await device(user, "laptop");
    phone.client.send({ type: "DREAM_START", id: "a", data: {} });
    const a = (await phone.client.next("ACCEPTED")).cycleId as string;
    phone.client.send({ type: "DREAM_START", id: "b", data: {} });
    const b = (await phone.client.next("ACCEPTED")).cycleId as string;
    phone.client.send({ type: "DREAM_CANCEL", id: "c", data: { cycleId: b } });
    expect(await phone.client.next("ACCEPTED")).toEqual({ type: "ACCEPTED", id: "c", seq: 3 });
    expect(await laptop.client.next("DREAM_CANCELLED")).toEqual({ type: "DREAM_CANCELLED", seq: 3, ts: expect.any(Number), from: "phone", data: { cycleId: b, wasRunning: false } });
    const dreams = (await dreamsOf(user))!;
    expect(dreams.queue.map((q) => q.cycleId)).toEqual([a]);
    expect(dreams.history).toEqual([expect.objectContaining({ cycleId: b, status: "cancelled", startedAt: null })]);
    await stepUntil(user, laptop.client, "DREAM_RESULT");
    const progress = await eventsOf(user, ["DREAM_PROGRESS"]);
    expect(new Set(progress.map((e) => e.data.cycleId))).toEqual(new Set([a]));
    phone.client.close();
    laptop.client.close();
  });

  it("cancels the running cycle mid-way: its work is dropped, no later phase runs, the next cycle starts", async () => {
    const user = uniqueUser("dc");
    const phone = await device(user, "phone");
    phone.client.send({ type: "DREAM_START", id: "a", data: {} });
    const a = (await phone.client.next("ACCEPTED")).cycleId as string;
    phone.client.send({ type: "DREAM_START", id: "b", data: {} });
    const b = (await phone.client.next("ACCEPTED")).cycleId as string;
    expect(await stepDream(user)).toBe(true); // a: decay
    expect((await dreamsOf(user))!.current).toMatchObject({ cycleId: a, phase: "decay" });
    phone.client.send({ type: "DREAM_CANCEL", id: "c", data: { cycleId: a } });
    expect(await phone.client.next("ACCEPTED")).toEqual({ type: "ACCEPTED", id: "c", seq: 5 });
    const dreams = (await dreamsOf(user))!;
    expect(dreams.current).toBeNull();
    expect(dreams.history).toEqual([expect.objectContaining({ cycleId: a, status: "cancelled", startedAt: expect.any(Number) })]);
    expect(await stepDream(user)).toBe(true); // b starts with its own decay
    expect((await dreamsOf(user))!.current).toMatchObject({ cycleId: b, phase: "decay" });
    const progress = await eventsOf(user, ["DREAM_PROGRESS"]);
    expect(progress.map((e) => [e.data.cycleId, e.data.phase])).toEqual([[a, "decay"], [b, "decay"]]);
    // Again, and an unknown id: NOT_FOUND, nothing written.
    phone.client.send({ type: "DREAM_CANCEL", id: "again", data: { cycleId: a } });
    expect(await phone.client.next("ERROR")).toEqual({ type: "ERROR", id: "again", code: "NOT_FOUND", retryable: false, message: `no queued or running dream cycle ${a}` });
    phone.client.send({ type: "DREAM_CANCEL", id: "bad", data: { cycleId: "no such id!" } });
    expect(await phone.client.next("ERROR")).toMatchObject({ id: "bad", code: "INVALID_MESSAGE", issues: [{ path: "data.cycleId", message: expect.any(String) }] });
    phone.client.close();
  });
});
