import { describe, expect, it } from "vitest";
import { runInDurableObject } from "cloudflare:test";
import { createNerveClient, memoryStorage, NerveClientError, type TypedEvent } from "../../client/index.js";
import { selfWebSocket, waitFor } from "./client-harness.js";
import { api, device, hubOf, serviceToken, uniqueUser, userToken } from "./helpers.js";

const URL_ = "wss://nerve.test/ws";
const FAST = { backoff: { minDelayMs: 10, maxDelayMs: 40 } };

const shoot = (userId: string, n: number) => ({ userId, shootId: "s1", status: "processing", processedCount: n, totalCount: 100 });

describe("client: sync", () => {
  it("a lost live event (seq gap) triggers STATE_SYNC and the mirror heals", async () => {
    const user = uniqueUser();
    const factory = selfWebSocket({ loseIncoming: (t) => t.includes('"seq":2,') && t.includes('"SHOOT_PROGRESS"') });
    const client = createNerveClient({ url: URL_, getToken: () => userToken(user), storage: memoryStorage(), WebSocket: factory });
    const events: number[] = [];
    client.on("event", (e) => events.push(e.seq));
    const resets: boolean[] = [];
    client.on("state", (s) => resets.push(s.reset));
    await client.whenSynced();
    const token = await serviceToken();
    for (const n of [1, 2, 3]) expect((await api("/api/sync/shoot-progress", { token, body: shoot(user, n) })).status).toBe(202);
    await waitFor(() => client.seq === 3 && client.getSnapshot().state["shoots.s1"]?.processedCount === 3, "seq 3");
    await waitFor(() => factory.sockets[0]!.sent.includes('{"type":"STATE_SYNC"}'), "a STATE_SYNC");
    await waitFor(() => resets.filter(Boolean).length === 2, "the full STATE");
    expect(events).toEqual([1, 3]);
    expect(client.seq).toBe(3);
    expect(client.versions).toEqual({ "shoots.s1": 3 });
    expect(factory.sockets.length).toBe(1);
    await client.close();
  });

  it("a new client on the same storage resumes from the persisted cursor and sends the persisted outbox", async () => {
    const user = uniqueUser();
    const storage = memoryStorage();
    let down = false;
    const firstNet = selfWebSocket({ down: () => down });
    const first = createNerveClient({ url: URL_, getToken: () => userToken(user), storage, WebSocket: firstNet, maxRetries: 0, ...FAST });
    await first.whenSynced();
    const token = await serviceToken();
    expect((await api("/api/sync/prompt-change", { token, body: { userId: user, promptId: "p1", action: "created" } })).status).toBe(202);
    await waitFor(() => first.seq === 1, "seq 1");
    const deviceId = first.getSnapshot().deviceId;
    expect(deviceId).toMatch(/^d-/);
    down = true;
    firstNet.sockets[0]!.drop();
    await waitFor(() => first.status === "offline", "offline");
    const queued = first.send("CONVERGENCE_UPDATE", { currentQuestion: 2, answers: { q1: "yes" } }).catch((e: unknown) => e);
    await first.close();
    expect(await queued).toMatchObject({ code: "CLOSED" });

    // While nobody is connected: a message (replayed) and a state change (coalesced).
    expect((await api("/api/sync/prompt-change", { token, body: { userId: user, promptId: "p2", action: "updated" } })).status).toBe(202);
    expect((await api("/api/sync/credit-update", { token, body: { userId: user, newBalance: 40, change: -10, reason: "shoot" } })).status).toBe(202);

    const second = createNerveClient({ url: URL_, getToken: () => userToken(user), storage, WebSocket: selfWebSocket() });
    const events: TypedEvent[] = [];
    second.on("event", (e) => events.push(e));
    const answered: { id: string; seq?: number }[] = [];
    second.on("outbox", (o) => answered.push({ id: o.id, seq: o.result?.seq }));
    const syncs: boolean[] = [];
    second.on("synced", (s) => syncs.push(s.resumed));
    await second.whenSynced();
    expect(syncs).toEqual([true]);
    expect(second.getSnapshot().deviceId).toBe(deviceId);
    await waitFor(() => answered.length === 1 && second.state.convergence !== undefined && second.state.credits !== undefined, "the outbox answer and full state");
    expect(events.map((e) => [e.seq, e.type])).toEqual([[2, "PROMPT_CHANGE"], [4, "CONVERGENCE_UPDATE"]]);
    expect(answered).toEqual([{ id: expect.stringMatching(/^m-/), seq: 4 }]);
    expect(second.state.credits).toMatchObject({ newBalance: 40, change: -10, reason: "shoot" });
    expect(second.state.convergence).toMatchObject({ currentQuestion: 2, answers: { q1: "yes" } });
    expect(second.seq).toBe(4);
    await second.close();
  });

  it("a restarted client shows the persisted mirror at once, even offline, and resumes without a full resync", async () => {
    const user = uniqueUser();
    const storage = memoryStorage();
    const first = createNerveClient({ url: URL_, getToken: () => userToken(user), storage, WebSocket: selfWebSocket() });
    await first.whenSynced();
    await first.send("LIMBIC_UPDATE", { trust: 0.8 });
    expect((await api("/api/sync/shoot-progress", { token: await serviceToken(), body: shoot(user, 7) })).status).toBe(202);
    await waitFor(() => first.seq === 2, "seq 2");
    const shown = first.state;
    await first.close(); // writes the mirror now rather than within the second

    const offline = createNerveClient({ url: URL_, getToken: () => userToken(user), storage, WebSocket: selfWebSocket({ down: () => true }), maxRetries: 0 });
    await expect(offline.whenSynced()).rejects.toMatchObject({ code: "OFFLINE" });
    expect(offline.state).toEqual(shown);
    expect(offline.versions).toEqual({ limbic: 1, "shoots.s1": 2 });
    await offline.close();

    expect((await api("/api/sync/shoot-progress", { token: await serviceToken(), body: shoot(user, 9) })).status).toBe(202);
    const net = selfWebSocket();
    const again = createNerveClient({ url: URL_, getToken: () => userToken(user), storage, WebSocket: net });
    const syncs: boolean[] = [];
    again.on("synced", (x) => syncs.push(x.resumed));
    await again.whenSynced();
    expect(syncs).toEqual([true]);
    const me = await api("/api/me", { token: await userToken(user) });
    expect(again.state).toEqual(me.json.state);
    expect(again.seq).toBe(3);
    expect(net.sockets[0]!.sent.filter((f) => f.includes("STATE_SYNC"))).toEqual([]);
    await again.close();
  });

  it("a refused send rejects with the server's code; invalid data is refused before sending", async () => {
    const user = uniqueUser();
    const client = createNerveClient({ url: URL_, getToken: () => userToken(user), storage: memoryStorage(), WebSocket: selfWebSocket() });
    await client.whenSynced();
    const first = await client.send("LIMBIC_UPDATE", { trust: 0.7 });
    expect(client.versions.limbic).toBe(first.seq);
    const conflict = await client.send("LIMBIC_UPDATE", { trust: 0.1 }, { baseVersion: 0 }).catch((e: unknown) => e);
    expect(conflict).toBeInstanceOf(NerveClientError);
    expect(conflict).toMatchObject({ code: "CONFLICT", currentVersion: first.seq });
    expect((conflict as NerveClientError).current).toMatchObject({ trust: 0.7 });
    const ok = await client.send("LIMBIC_UPDATE", { trust: 0.2 }, { baseVersion: client.versions.limbic });
    expect(ok.seq).toBe(first.seq! + 1);

    const invalid = await client.send("LIMBIC_UPDATE", { trust: 2 }).catch((e: unknown) => e);
    expect(invalid).toMatchObject({ code: "INVALID_MESSAGE", issues: [{ path: "data.trust", message: expect.any(String) }] });
    expect(client.getSnapshot().pending).toBe(0);
    await client.close();
  });

  it("the same id twice is applied once and answered the same", async () => {
    const user = uniqueUser();
    const client = createNerveClient({ url: URL_, getToken: () => userToken(user), storage: memoryStorage(), WebSocket: selfWebSocket() });
    await client.whenSynced();
    const a = await client.send("POSTURE_CHANGE", { posture: "expert" }, { id: "fixed-1" });
    const b = await client.send("POSTURE_CHANGE", { posture: "expert" }, { id: "fixed-1" });
    expect(a).toEqual({ id: "fixed-1", seq: 1, duplicate: false });
    expect(b.seq).toBe(1);
    const log = await api("/api/me/events?since=0", { token: await userToken(user) });
    expect(log.json.events.map((e: { seq: number }) => e.seq)).toEqual([1]);
    await client.close();
  });

  it("RATE_LIMITED answers are retried after retryAfterMs until each message is applied once", async () => {
    const user = uniqueUser();
    // The user's bucket starts empty, stamped a minute ahead: it refills nothing until the first
    // frame is refused (a refusal stamps it with its own time), so the burst below is refused
    // however slowly this machine runs it, and the refusals stay under the 4008 abuse close (20 a
    // minute). The hub's constructor creates the table; no frame has read the bucket yet, so the
    // hub takes this row when the first one arrives.
    await runInDurableObject(hubOf(user), (_i, state) => {
      state.storage.sql.exec("INSERT OR REPLACE INTO rate_buckets (name, tokens, updated_at) VALUES ('client', 0, ?)", Date.now() + 60_000);
    });
    const net = selfWebSocket();
    // Pacing off on purpose: the server's own limit must be what stops the burst.
    const client = createNerveClient({ url: URL_, getToken: () => userToken(user), storage: memoryStorage(), WebSocket: net, messagesPerMinute: 10_000 });
    await client.whenSynced();
    const errors: string[] = [];
    client.on("error", (e) => errors.push(e.code));
    const n = 3;
    const results = await Promise.all(Array.from({ length: n }, (_, i) => client.send("CONVERGENCE_UPDATE", { answers: { [`q${i}`]: "a" } })));
    expect(new Set(results.map((r) => r.seq)).size).toBe(n);
    const sent = net.sockets.flatMap((ws) => ws.sent).filter((f) => f.includes("CONVERGENCE_UPDATE"));
    expect(sent.length).toBeGreaterThan(n); // some went twice: refused, then retried
    const log = await api("/api/me/events?since=0&limit=500", { token: await userToken(user) });
    expect(log.json.events.length).toBe(n);
    expect(Object.keys((client.state.convergence as { answers: object }).answers).length).toBe(n);
    expect(errors).toEqual([]);
    expect(net.sockets).toHaveLength(1); // never closed for abuse
    await client.close();
  });

  it("the outbox is bounded", async () => {
    const client = createNerveClient({ url: URL_, getToken: () => userToken(uniqueUser()), storage: memoryStorage(), WebSocket: selfWebSocket(), autoConnect: false, maxOutbox: 2 });
    const a = client.send("DREAM_START", {});
    const b = client.send("DREAM_START", {});
    await expect(client.send("DREAM_START", {})).rejects.toMatchObject({ code: "QUEUE_FULL" });
    expect(client.getSnapshot().pending).toBe(2);
    await client.close();
    await expect(a).rejects.toMatchObject({ code: "CLOSED" });
    await expect(b).rejects.toMatchObject({ code: "CLOSED" });
  });

  it("mirrors other devices coming and going, and acknowledges its cursor", async () => {
    const user = uniqueUser();
    const client = createNerveClient({ url: URL_, getToken: () => userToken(user), deviceId: "mac", name: "Mac", storage: memoryStorage(), WebSocket: selfWebSocket(), ackIntervalMs: 50 });
    await client.whenSynced();
    const { client: phone } = await device(user, "phone", { platform: "ios" });
    await waitFor(() => client.devices.find((d) => d.deviceId === "phone")?.online === true, "phone online");
    const r = await api("/api/sync/prompt-change", { token: await serviceToken(), body: { userId: user, promptId: "p1", action: "created" } });
    expect(r.status).toBe(202);
    await waitFor(() => client.seq === 1, "seq 1");
    phone.close();
    await waitFor(() => client.devices.find((d) => d.deviceId === "phone")?.online === false, "phone offline");
    const me = async () => (await api("/api/me", { token: await userToken(user) })).json.devices.find((d: { deviceId: string }) => d.deviceId === "mac");
    let mac = await me();
    for (const deadline = Date.now() + 5000; mac.ackedSeq !== 1 && Date.now() < deadline; mac = await me());
    expect(mac).toMatchObject({ deviceId: "mac", name: "Mac", ackedSeq: 1, online: true });
    await client.close();
  });
});
