import { env, evictDurableObject, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { MetricsAnswer } from "../../protocol/index.js";
import { api, connect, hubOf, publishDirect, serviceToken, sweepNow, uniqueUser, userToken } from "./helpers.js";

const utf8 = new TextEncoder();
const bytesOf = (texts: readonly string[]) => texts.reduce((n, t) => n + utf8.encode(t).byteLength, 0);

async function metrics(user: string): Promise<MetricsAnswer> {
  const res = await api(`/api/sync/users/${user}/metrics`, { token: await serviceToken("sync:read") });
  expect(res.status).toBe(200);
  const parsed = MetricsAnswer.safeParse(res.json);
  if (!parsed.success) throw new Error(`not a MetricsAnswer: ${JSON.stringify(parsed.error.issues)}`);
  return parsed.data;
}

/** Polls the metrics until `check` holds (the hub handles a close after the client sees it). */
async function metricsUntil(user: string, check: (m: MetricsAnswer) => boolean, timeoutMs = 5000): Promise<MetricsAnswer> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const m = await metrics(user);
    if (check(m)) return m;
    if (Date.now() > deadline) throw new Error(`metrics never matched: ${JSON.stringify(m)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A device whose every received text is kept as sent, to count the bytes the hub sent. */
async function rawDevice(user: string, deviceId: string, query: Record<string, string | number> = {}) {
  const client = await connect({ token: await userToken(user), device: deviceId, ...query });
  const texts: string[] = [];
  client.ws.addEventListener("message", (e) => {
    texts.push(typeof e.data === "string" ? e.data : "");
  });
  const catchUp = await client.catchUp();
  return { client, texts, catchUp };
}

const stored = (user: string) => runInDurableObject(hubOf(user), (_i, state) =>
  state.storage.sql.exec<{ flushed_at: number; counters: string }>("SELECT flushed_at, counters FROM hub_metrics").toArray()[0]);

describe("hub metrics: counters that move with real traffic", () => {
  it("counts events in and out, bytes both ways, sockets and catch-ups", async () => {
    const user = uniqueUser("m");
    const token = await serviceToken();
    const a = await rawDevice(user, "a");
    for (let i = 1; i <= 3; i++) {
      expect((await api("/api/sync/prompt-change", { token, body: { userId: user, promptId: `p${i}`, action: "created" } })).status).toBe(202);
    }
    for (let i = 1; i <= 3; i++) expect(await a.client.next("PROMPT_CHANGE")).toMatchObject({ seq: i });
    const sent = [JSON.stringify({ type: "LIMBIC_UPDATE", id: "l1", data: { warmth: 0.7 } }), JSON.stringify({ type: "PING", data: { t: 1 } })];
    for (const frame of sent) a.client.send(frame);
    expect(await a.client.next("ACCEPTED")).toMatchObject({ id: "l1", seq: 4 });
    await a.client.next("PONG");

    let m = await metrics(user);
    expect(m.events).toEqual({ in: 4, out: 3 }); // the sender of seq 4 gets ACCEPTED, not the event
    expect(m.bytes).toEqual({ in: bytesOf(sent), out: bytesOf(a.texts) });
    expect(m.sockets).toEqual({ open: 1, opened: 1, closed: 0 });
    expect(m.catchUp).toMatchObject({ count: 1, resumed: 0, events: 0 });
    expect(m.catchUp.bytes).toBe(bytesOf(a.texts.slice(0, a.catchUp.length)));

    a.client.close();
    await a.client.waitClosed();
    await metricsUntil(user, (x) => x.sockets.closed === 1);
    await publishDirect(user, "PROMPT_CHANGE", { promptId: "p4", action: "created" });
    await publishDirect(user, "PROMPT_CHANGE", { promptId: "p5", action: "created" });

    const back = await rawDevice(user, "a", { since: 3 });
    expect(back.catchUp.filter((f) => f.type === "PROMPT_CHANGE").map((f) => f.seq)).toEqual([5, 6]);
    m = await metrics(user);
    expect(m.events).toEqual({ in: 6, out: 5 });
    expect(m.sockets).toEqual({ open: 1, opened: 2, closed: 1 });
    expect(m.catchUp).toMatchObject({ count: 2, resumed: 1, events: 2, maxEvents: 2 });
    expect(m.catchUp.bytes).toBe(bytesOf(a.texts.slice(0, a.catchUp.length)) + bytesOf(back.texts.slice(0, back.catchUp.length)));
    expect(m.catchUp.maxBytes).toBe(Math.max(bytesOf(a.texts.slice(0, a.catchUp.length)), bytesOf(back.texts.slice(0, back.catchUp.length))));
    expect(m.bytes.out).toBe(bytesOf(a.texts) + bytesOf(back.texts));
    expect(m.catchUp.totalMs).toBeGreaterThanOrEqual(0);
    back.client.close();
  });

  it("counts refusals by code, for frames and for service writes, and replays as dedup hits", async () => {
    const user = uniqueUser("m");
    const token = await serviceToken();
    const d = await rawDevice(user, "d");
    d.client.send("{oops");
    await d.client.next("ERROR");
    d.client.send({ type: "TELEPORT", id: "t1", data: {} });
    await d.client.next("ERROR");
    d.client.send({ type: "LIMBIC_UPDATE", id: "bad", data: { trust: 7 } });
    await d.client.next("ERROR");
    // The same refused id again: answered from the dedup record, not refused a second time.
    d.client.send({ type: "LIMBIC_UPDATE", id: "bad", data: { trust: 7 } });
    expect(await d.client.next("ERROR")).toMatchObject({ id: "bad", code: "INVALID_MESSAGE" });
    d.client.send({ type: "LIMBIC_UPDATE", id: "ok", data: { trust: 0.5 } });
    await d.client.next("ACCEPTED");
    d.client.send({ type: "LIMBIC_UPDATE", id: "ok", data: { trust: 0.5 } });
    expect(await d.client.next("ACCEPTED")).toMatchObject({ id: "ok", seq: 1 });

    const body = { userId: user, newBalance: 5, change: 5, reason: "gift" };
    const headers = { "Idempotency-Key": "k-1" };
    expect((await api("/api/sync/credit-update", { token, body, headers })).status).toBe(202);
    expect((await api("/api/sync/credit-update", { token, body, headers })).json).toMatchObject({ duplicate: true });
    expect((await api("/api/sync/credit-update", { token, body: { ...body, change: 6 }, headers })).status).toBe(422);
    // A batch of one user past its service bucket (600 a minute): the items past it are RATE_LIMITED.
    const events = Array.from({ length: 601 }, (_, i) => ({ userId: user, type: "PROMPT_CHANGE", data: { promptId: `b${i}`, action: "created" } }));
    const batch = await api("/api/sync/batch", { token, body: { events } });
    // The bucket refills as time passes (10 a second), so how many are past it depends on the clock.
    const limited = batch.json.results.filter((r: { error?: { code: string } }) => r.error?.code === "RATE_LIMITED").length;
    expect(limited).toBeGreaterThan(0);

    const m = await metrics(user);
    expect(m.refusals).toEqual({ BAD_JSON: 1, UNKNOWN_TYPE: 1, INVALID_MESSAGE: 1, IDEMPOTENCY_KEY_REUSED: 1, RATE_LIMITED: limited });
    expect(m.dedupHits).toEqual({ client: 2, service: 1 });
    expect(m.events.in).toBe(1 + 1 + (601 - limited));
    d.client.close();
  });

  it("counts alarm runs, and the storage the hub takes", async () => {
    const user = uniqueUser("m");
    const d = await rawDevice(user, "d");
    expect(await sweepNow(user)).toBe(true);
    const m = await metrics(user);
    expect(m.alarms).toBe(1);
    const size = await runInDurableObject(hubOf(user), (_i, state) => state.storage.sql.databaseSize);
    expect(m.storageBytes).toBeGreaterThan(0);
    expect(m.storageBytes).toBeLessThanOrEqual(size);
    d.client.close();
  });
});

describe("hub metrics: across hibernation and eviction", () => {
  it("counts a wake each time the hub is constructed, and keeps what was written before an eviction", async () => {
    const user = uniqueUser("m");
    const d = await rawDevice(user, "d"); // a socket opened: the counters' row is written with it
    await publishDirect(user, "PROMPT_CHANGE", { promptId: "a", action: "created" });
    await d.client.next("PROMPT_CHANGE");
    expect((await metrics(user)).wakes).toBe(1);
    await evictDurableObject(hubOf(user), { webSockets: "hibernate" });
    expect(await sweepNow(user)).toBe(true); // the alarm wakes it, and writes the row
    await evictDurableObject(hubOf(user), { webSockets: "hibernate" });
    const m = await metrics(user);
    expect(m.wakes).toBe(3); // first use, then a wake after each eviction
    expect(m.alarms).toBe(1);
    // The delivery was counted by the first instance after its last row: it went with it (its
    // Analytics Engine point did not). Events in are the log's seq.
    expect(m).toMatchObject({ events: { in: 1, out: 0 }, sockets: { open: 1, opened: 1, closed: 0 } });
    d.client.close();
  });

  it("events in are the log's seq: an eviction before the counters' row loses none", async () => {
    const user = uniqueUser("m");
    await publishDirect(user, "PROMPT_CHANGE", { promptId: "a", action: "created" });
    await evictDurableObject(hubOf(user));
    await publishDirect(user, "PROMPT_CHANGE", { promptId: "b", action: "created" });
    await evictDurableObject(hubOf(user));
    const m = await metrics(user);
    expect(m.events.in).toBe(2);
    // Neither instance wrote the row (one write each, within 30 s): their wakes went with them.
    expect(m).toMatchObject({ wakes: 1, flushedAt: null });
  });

  it("keeps a hibernated hub's sockets and counts the wake a frame causes", async () => {
    const user = uniqueUser("m");
    const d = await rawDevice(user, "d");
    await evictDurableObject(hubOf(user), { webSockets: "hibernate" });
    d.client.send({ type: "LIMBIC_UPDATE", id: "w1", data: { warmth: 0.2 } });
    await d.client.next("ACCEPTED");
    const m = await metrics(user);
    expect(m.wakes).toBe(2);
    expect(m.sockets).toEqual({ open: 1, opened: 1, closed: 0 });
    expect(m.events.in).toBe(1);
    d.client.close();
  });

  it("writes its row with a socket's rows, and with every tenth write, not with each", async () => {
    const user = uniqueUser("m");
    const d = await rawDevice(user, "d");
    const afterConnect = await stored(user);
    expect(afterConnect).toBeDefined(); // the connect wrote its device row: the counters went with it
    // A refused frame, then nine writes: their counts wait in memory.
    d.client.send("{oops");
    await d.client.next("ERROR");
    for (let i = 1; i <= 9; i++) await publishDirect(user, "PROMPT_CHANGE", { promptId: `p${i}`, action: "created" });
    expect(await stored(user)).toEqual(afterConnect);
    expect(await metrics(user)).toMatchObject({ refusals: { BAD_JSON: 1 }, events: { in: 9, out: 9 } });
    // The tenth write takes them all to the row.
    await publishDirect(user, "PROMPT_CHANGE", { promptId: "p10", action: "created" });
    const after = await stored(user);
    expect(JSON.parse(after!.counters)).toMatchObject({ eventsOut: 10, refusals: { BAD_JSON: 1 }, socketsOpened: 1, wakes: 1 });
    d.client.close();
  });

  it("writes each flush's deltas as Analytics Engine points when the binding is there", async () => {
    // The pool binds the dataset from wrangler.toml to a stand-in whose writeDataPoint drops the point.
    expect(typeof env.ANALYTICS?.writeDataPoint).toBe("function");
    expect(() => env.ANALYTICS!.writeDataPoint({ indexes: ["x"], blobs: ["hub"], doubles: [1] })).not.toThrow();
    const user = uniqueUser("m");
    await publishDirect(user, "PROMPT_CHANGE", { promptId: "a", action: "created" });
    // Locally the binding drops every point: a recording sink in its place shows what the hub writes.
    const points = await runInDurableObject(hubOf(user), async (instance) => {
      const written: unknown[] = [];
      const metricsPart = (instance as unknown as { parts: { metrics: { o: { sink?: unknown } } } }).parts.metrics;
      metricsPart.o.sink = { writeDataPoint: (p: unknown) => written.push(p) };
      await instance.publish({ userId: user, type: "PROMPT_CHANGE", data: { promptId: "b", action: "created" }, from: "svc" });
      await instance.publish({ userId: user, type: "PROMPT_CHANGE", data: { promptId: "b", action: "created" }, from: "svc", idempotency: { key: "x", fingerprint: "f1" } });
      await instance.publish({ userId: user, type: "PROMPT_CHANGE", data: { promptId: "c", action: "created" }, from: "svc", idempotency: { key: "x", fingerprint: "f2" } });
      return written;
    });
    const of = (kind: string) => (points as { indexes: string[]; blobs: string[]; doubles: number[] }[]).filter((p) => p.blobs[0] === kind);
    // One hub point per flush; each flush here came with an appended event (the third write appends
    // none: its count waits for the next flush, but its refusal point is written at once).
    expect(of("hub")).toHaveLength(2);
    expect(of("hub").map((p) => p.indexes)).toEqual([[user], [user]]);
    expect(of("hub").map((p) => p.doubles[0])).toEqual([1, 1]); // eventsIn per flush
    expect(of("refusal")).toEqual([{ indexes: [user], blobs: ["refusal", user, "IDEMPOTENCY_KEY_REUSED", "service", ""], doubles: [1] }]);
  });
});

describe("hub metrics: erasure", () => {
  it("start over with the new epoch: the erased sockets' closes are not counted in it", async () => {
    const user = uniqueUser("m");
    const d = await rawDevice(user, "d");
    await publishDirect(user, "PROMPT_CHANGE", { promptId: "a", action: "created" });
    await d.client.next("PROMPT_CHANGE");
    expect((await api(`/api/sync/users/${user}`, { method: "DELETE", token: await serviceToken() })).status).toBe(200);
    expect((await d.client.waitClosed()).code).toBe(4011);
    // The hub has handled the close handshake once the runtime no longer lists the socket.
    const deadline = Date.now() + 5000;
    while (await runInDurableObject(hubOf(user), (_i, state) => state.getWebSockets().length) > 0) {
      if (Date.now() > deadline) throw new Error("the erased socket never went");
      await new Promise((r) => setTimeout(r, 20));
    }
    const m = await metrics(user);
    expect(m).toMatchObject({ events: { in: 0, out: 0 }, sockets: { open: 0, opened: 0, closed: 0 }, refusals: {}, flushedAt: null });
  });
});

describe("GET /api/sync/users/:userId/metrics", () => {
  it("takes a service token with sync:read, and nothing else", async () => {
    const user = uniqueUser("m");
    const path = `/api/sync/users/${user}/metrics`;
    expect(await api(path)).toMatchObject({ status: 401, json: { error: { code: "UNAUTHORIZED" } } });
    expect(await api(path, { token: "not-a-jwt" })).toMatchObject({ status: 401, json: { error: { code: "TOKEN_INVALID" } } });
    expect(await api(path, { token: await userToken(user) })).toMatchObject({ status: 403, json: { error: { code: "FORBIDDEN" } } });
    expect(await api(path, { token: await serviceToken("sync:publish") })).toMatchObject({ status: 403, json: { error: { code: "FORBIDDEN" } } });
    expect(await api("/api/sync/users/bad%20id/metrics", { token: await serviceToken("sync:read") })).toMatchObject({ status: 400, json: { error: { code: "INVALID_BODY" } } });
    const ok = await api(path, { token: await serviceToken("sync:read") });
    expect(ok.status).toBe(200);
    expect(MetricsAnswer.safeParse(ok.json).success).toBe(true);
    expect(ok.json).toMatchObject({ userId: user, events: { in: 0, out: 0 }, wakes: 1, refusals: {} });
  });
});
