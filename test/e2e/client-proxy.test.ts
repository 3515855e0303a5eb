/**
 * The client SDK in Node 22 (global WebSocket) against a real `wrangler dev`, through a TCP proxy
 * this test controls: it cuts every connection mid-stream (the client sees 1006, no close frame),
 * refuses connections (offline), and swallows traffic without closing (a dead link the heartbeat
 * must notice).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createNerveClient, memoryStorage, type NerveClient, type SendResult, type TypedEvent } from "../../client/index.js";
import { http, startNerve, type Nerve } from "./harness.js";
import { waitForClient } from "./client-wait.js";
import { Proxy } from "./tcp-proxy.js";

let nerve: Nerve;
let proxy: Proxy;
let service: string;
const clients: NerveClient[] = [];

beforeAll(async () => {
  nerve = await startNerve();
  proxy = new Proxy(nerve.port);
  await proxy.start();
  service = await nerve.serviceToken();
});

afterAll(async () => {
  for (const c of clients) await c.close();
  await proxy?.stop();
  await nerve?.stop();
});

/** Waits for a condition on the client; a timeout shows the server's output too. */
const until = (client: NerveClient, check: () => boolean, what: string, timeoutMs?: number) =>
  waitForClient(client, check, what, timeoutMs, () => nerve.output().slice(-2000));

function newClient(user: string, options: Partial<Parameters<typeof createNerveClient>[0]> = {}): NerveClient {
  const client = createNerveClient({
    url: `ws://127.0.0.1:${proxy.port}/ws`, getToken: () => nerve.userToken(user), deviceId: "node-1", platform: "linux",
    storage: memoryStorage(), backoff: { minDelayMs: 50, maxDelayMs: 300 }, ...options,
  });
  clients.push(client);
  return client;
}

async function publish(user: string, i: number): Promise<void> {
  const r = i % 3 === 0
    ? await http(nerve.url, "/api/sync/shoot-progress", { token: service, body: { userId: user, shootId: "s1", status: "processing", processedCount: i, totalCount: 1000 } })
    : await http(nerve.url, "/api/sync/prompt-change", { token: service, body: { userId: user, promptId: `p${i}`, action: "updated" } });
  expect(r.status).toBe(202);
}

describe("client through a TCP proxy to wrangler dev", () => {
  it("a connection cut mid-stream: every event once and in order, the outbox applied once", async () => {
    const user = `proxy-${Date.now().toString(36)}`;
    const client = newClient(user);
    const events: TypedEvent[] = [];
    client.on("event", (e) => events.push(e));
    const closes: number[] = [];
    client.on("close", (c) => closes.push(c.code));
    await client.whenSynced();

    const sends: Promise<SendResult>[] = [];
    for (let i = 1; i <= 20; i++) await publish(user, i);
    sends.push(client.send("LIMBIC_UPDATE", { trust: 0.1 }));
    await until(client, () => client.getSnapshot().pending === 0, "the first answer");
    // Sent, then the wire is cut before the answer can come back.
    sends.push(client.send("LIMBIC_UPDATE", { warmth: 0.2 }));
    proxy.cut();
    await until(client, () => client.status === "reconnecting", "the client to notice the cut");
    sends.push(client.send("LIMBIC_UPDATE", { valence: 0.3 }));
    for (let i = 21; i <= 40; i++) await publish(user, i);
    await until(client, () => client.getSnapshot().synced, "the resume");
    proxy.cut();
    for (let i = 41; i <= 60; i++) await publish(user, i);
    sends.push(client.send("LIMBIC_UPDATE", { humor: 0.4 }));

    const results = await Promise.all(sends);
    const me = await http(nerve.url, "/api/me", { token: await nerve.userToken(user) });
    expect(me.status).toBe(200);
    expect(me.json.seq).toBe(64);
    await until(client, () => client.seq === 64 && client.getSnapshot().synced, "seq 64");

    expect(closes).toEqual([1006, 1006]);
    const seqs = events.map((e) => e.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(new Set(seqs).size).toBe(seqs.length);
    const prompts = events.filter((e) => e.type === "PROMPT_CHANGE").map((e) => (e.data as { promptId: string }).promptId);
    expect(prompts).toEqual(Array.from({ length: 60 }, (_, k) => k + 1).filter((i) => i % 3 !== 0).map((i) => `p${i}`));
    expect(client.state).toEqual(me.json.state);

    const log = await http(nerve.url, "/api/me/events?since=0&limit=500", { token: await nerve.userToken(user) });
    const limbic = (log.json.events as { type: string; seq: number; data: unknown }[]).filter((e) => e.type === "LIMBIC_UPDATE");
    expect(limbic.map((e) => e.data)).toEqual([{ trust: 0.1 }, { warmth: 0.2 }, { valence: 0.3 }, { humor: 0.4 }]);
    expect(results.map((r) => r.seq)).toEqual(limbic.map((e) => e.seq));
  });

  it("a link that swallows traffic is detected by the missing pong and replaced", async () => {
    const user = `hole-${Date.now().toString(36)}`;
    const client = newClient(user, { heartbeatMs: 300, pongTimeoutMs: 300 });
    const closes: { code: number; reason: string }[] = [];
    client.on("close", (c) => closes.push({ code: c.code, reason: c.reason }));
    await client.whenSynced();
    await until(client, () => client.latencyMs !== null, "a first latency figure");
    expect(client.quality).toBeGreaterThan(0);
    const before = proxy.accepted;
    proxy.blackhole = true;
    await until(client, () => client.status === "reconnecting", "the dead link to be noticed");
    expect(closes[0]).toEqual({ code: 1006, reason: "no pong within the timeout" });
    proxy.blackhole = false;
    proxy.cut(); // the swallowed connection is still open at the TCP level
    await client.whenSynced();
    expect(proxy.accepted).toBeGreaterThan(before);
    await publish(user, 1);
    await until(client, () => client.seq === 1, "a live event on the new connection");
  });

  it("waking up (an `online` event) while it looks connected probes the link at once", async () => {
    // A browser-like global scope for this test: the client listens on globalThis.
    const scope = new EventTarget();
    const g = globalThis as { addEventListener?: unknown; removeEventListener?: unknown };
    g.addEventListener = scope.addEventListener.bind(scope);
    g.removeEventListener = scope.removeEventListener.bind(scope);
    try {
      const user = `wake-${Date.now().toString(36)}`;
      // A heartbeat far away: only the probe can notice the dead link within the test.
      const client = newClient(user, { heartbeatMs: 600_000, pongTimeoutMs: 300 });
      await client.whenSynced();
      await until(client, () => client.latencyMs !== null, "the first pong");
      proxy.blackhole = true;
      scope.dispatchEvent(new Event("online"));
      await until(client, () => client.status === "reconnecting", "the probe to find the dead link", 5000);
      proxy.blackhole = false;
      proxy.cut();
      await client.whenSynced();
      await client.close();
    } finally {
      delete g.addEventListener;
      delete g.removeEventListener;
    }
  });

  it("offline while the network refuses, back when it returns", async () => {
    const user = `off-${Date.now().toString(36)}`;
    const client = newClient(user, { maxRetries: 2 });
    await client.whenSynced();
    proxy.down = true;
    proxy.cut();
    await until(client, () => client.status === "offline", "offline");
    await publish(user, 1);
    proxy.down = false;
    client.wake(); // what a React Native app calls from NetInfo / AppState
    await client.whenSynced();
    await until(client, () => client.seq === 1, "the missed message");
  });
});
