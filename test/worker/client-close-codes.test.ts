import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createNerveClient, memoryStorage, type NerveStatus } from "../../client/index.js";
import { selfWebSocket, waitFor } from "./client-harness.js";
import { api, connect, hubOf, serviceToken, sweepNow, uniqueUser, userToken } from "./helpers.js";

const URL_ = "wss://nerve.test/ws";
/** A backoff so slow that a test only passes if the client did not wait for it. */
const NEVER = { backoff: { minDelayMs: 60_000, maxDelayMs: 60_000 } };
const FAST = { backoff: { minDelayMs: 10, maxDelayMs: 40 } };

function track(client: { on: (t: "close", h: (c: { code: number; willRetry: boolean }) => void) => unknown }) {
  const closes: { code: number; willRetry: boolean }[] = [];
  client.on("close", (c) => closes.push({ code: c.code, willRetry: c.willRetry }));
  return closes;
}

describe("client: close codes", () => {
  it("4002: fetches a fresh token and retries at once", async () => {
    const user = uniqueUser();
    let calls = 0;
    const getToken = async () => (++calls === 1 ? userToken(user, { ttl: -60 }) : userToken(user));
    const factory = selfWebSocket();
    const client = createNerveClient({ url: URL_, getToken, storage: memoryStorage(), WebSocket: factory, ...NEVER });
    const closes = track(client);
    await client.whenSynced();
    expect(closes).toEqual([{ code: 4002, willRetry: true }]);
    expect(calls).toBe(2);
    expect(factory.sockets.length).toBe(2);
    expect(client.status).toBe("connected");
    await client.close();
  });

  it("4002 again after the refresh: backs off, then goes offline after maxRetries", async () => {
    const user = uniqueUser();
    let calls = 0;
    const client = createNerveClient({ url: URL_, getToken: () => (calls++, userToken(user, { ttl: -60 })), storage: memoryStorage(), WebSocket: selfWebSocket(), maxRetries: 2, ...FAST });
    const closes = track(client);
    await expect(client.whenSynced()).rejects.toMatchObject({ code: "OFFLINE" });
    expect(client.status).toBe("offline");
    expect(closes).toEqual([
      { code: 4002, willRetry: true }, // the immediate refresh
      { code: 4002, willRetry: true }, // backoff 1
      { code: 4002, willRetry: true }, // backoff 2
      { code: 4002, willRetry: false }, // budget spent
    ]);
    expect(calls).toBe(4);
    await client.close();
  });

  it("4001 (no token reached the server) is terminal", async () => {
    // The query form, with the token cut out of the URL on the way.
    const factory = selfWebSocket({ mapUrl: (u) => u.replace(/token=[^&]+&?/, "") });
    const client = createNerveClient({ url: URL_, getToken: () => userToken(uniqueUser()), storage: memoryStorage(), WebSocket: factory, tokenTransport: "query", ...FAST });
    const closes = track(client);
    await expect(client.whenSynced()).rejects.toMatchObject({ code: "CLOSED" });
    expect(closes).toEqual([{ code: 4001, willRetry: false }]);
    expect(client.status).toBe("closed");
    expect(client.getSnapshot().lastClose).toEqual({ code: 4001, reason: "token missing" });
    expect(factory.sockets.length).toBe(1);
    await client.close();
  });

  it("4000 (a query the server refuses) is terminal", async () => {
    const factory = selfWebSocket({ mapUrl: (u) => `${u}&topics=weather` });
    const client = createNerveClient({ url: URL_, getToken: () => userToken(uniqueUser()), storage: memoryStorage(), WebSocket: factory, ...FAST });
    const closes = track(client);
    await expect(client.whenSynced()).rejects.toMatchObject({ code: "CLOSED" });
    expect(closes).toEqual([{ code: 4000, willRetry: false }]);
    expect(client.getSnapshot().lastClose?.reason).toMatch(/^topics/);
    expect(factory.sockets.length).toBe(1);
    await client.close();
  });

  it("4003 (origin not allowed) is terminal; an allowed origin connects", async () => {
    const bad = selfWebSocket({ headers: { Origin: "https://evil.example" } });
    const client = createNerveClient({ url: URL_, getToken: () => userToken(uniqueUser()), storage: memoryStorage(), WebSocket: bad, ...FAST });
    const closes = track(client);
    await expect(client.whenSynced()).rejects.toMatchObject({ code: "CLOSED" });
    expect(closes).toEqual([{ code: 4003, willRetry: false }]);
    expect(bad.sockets.length).toBe(1);
    await client.close();

    const good = createNerveClient({ url: URL_, getToken: () => userToken(uniqueUser()), storage: memoryStorage(), WebSocket: selfWebSocket({ headers: { Origin: "https://app.example.com" } }) });
    await good.whenSynced();
    expect(good.status).toBe("connected");
    await good.close();
  });

  it("4009 (too many connections) waits the contract's 30 s or more, not the backoff, and gets in once a slot frees", async () => {
    const user = uniqueUser();
    const token = await userToken(user);
    const others = [];
    for (let i = 0; i < 20; i++) others.push(await connect({ token, device: `d${i}` }));
    const statuses: NerveStatus[] = [];
    const factory = selfWebSocket();
    const client = createNerveClient({ url: URL_, getToken: () => userToken(user), storage: memoryStorage(), WebSocket: factory, maxRetries: 1000, backoff: { minDelayMs: 20, maxDelayMs: 50 } });
    client.on("status", (s) => statuses.push(s));
    const closes = track(client);
    await waitFor(() => closes.length >= 1, "a refused attempt");
    expect(closes).toEqual([{ code: 4009, willRetry: true }]);
    expect(client.status).toBe("reconnecting");
    // A 50 ms backoff would have tried 20 times by now.
    await new Promise((r) => setTimeout(r, 1000));
    expect(factory.sockets.length).toBe(1);
    // A slot frees: wait for the hub's echo of the close (sent once it counted the socket gone),
    // or the reconnect below could still find 20 and be refused.
    const freed = others.pop()!;
    freed.close();
    await freed.waitClosed();
    client.reconnect(); // the app's own "try again" goes at once
    await client.whenSynced();
    expect(statuses.at(-1)).toBe("connected");
    await client.close();
    for (const o of others) o.close();
  });

  it("goes offline after maxRetries, and retries when the browser reports online", async () => {
    let down = false;
    const factory = selfWebSocket({ down: () => down });
    const client = createNerveClient({ url: URL_, getToken: () => userToken(uniqueUser()), storage: memoryStorage(), WebSocket: factory, maxRetries: 3, ...FAST });
    await client.whenSynced();
    down = true;
    factory.sockets[0]!.drop();
    await waitFor(() => client.status === "offline", "offline");
    expect(factory.sockets.length).toBe(1 + 3);
    down = false;
    // The Workers global scope is an EventTarget, as a browser window is.
    (globalThis as unknown as EventTarget).dispatchEvent(new Event("online"));
    await client.whenSynced();
    expect(client.status).toBe("connected");
    expect(factory.sockets.length).toBe(5);
    await client.close();
  });

  it("reconnect() leaves offline at once", async () => {
    let down = false;
    const factory = selfWebSocket({ down: () => down });
    const client = createNerveClient({ url: URL_, getToken: () => userToken(uniqueUser()), storage: memoryStorage(), WebSocket: factory, maxRetries: 0, ...FAST });
    await client.whenSynced();
    down = true;
    factory.sockets[0]!.drop();
    await waitFor(() => client.status === "offline", "offline");
    expect(factory.sockets.length).toBe(1);
    down = false;
    client.reconnect();
    await client.whenSynced();
    expect(factory.sockets.length).toBe(2);
    await client.close();
  });

  /** Closes this user's sockets from inside the hub, as the hub's own closes do. */
  const closeFromHub = (user: string, code: number, reason: string) => runInDurableObject(hubOf(user), (_i, state) => {
    for (const ws of state.getWebSockets()) ws.close(code, reason);
  });

  // NEVER's backoff is a minute: only a reconnect at once passes within waitFor's 5 s.
  for (const code of [1009, 4010, 4012, 4400, 4499]) {
    it(`${code} reconnects at once, resuming with since`, async () => {
      const user = uniqueUser();
      const factory = selfWebSocket();
      const client = createNerveClient({ url: URL_, getToken: () => userToken(user), storage: memoryStorage(), WebSocket: factory, ...NEVER });
      const closes = track(client);
      const phases: string[] = [];
      await client.whenSynced();
      client.on("phase", (c) => phases.push(`${c.from}>${c.to}:${c.reason}`));
      await closeFromHub(user, code, "test");
      await waitFor(() => factory.sockets.length === 2 && client.phase === "synced", `a reconnect at once after ${code}`);
      expect(closes).toEqual([{ code, willRetry: true }]);
      expect(factory.sockets[1]!.url).toContain("since=0");
      expect(phases).toEqual(["synced>reconnecting:connection-lost", "reconnecting>catching-up:welcome", "catching-up>synced:synced"]);
      await client.close();
    });
  }

  it("an unknown code in the stop range (4150) is terminal: phase refused, status closed", async () => {
    const user = uniqueUser();
    const factory = selfWebSocket();
    const client = createNerveClient({ url: URL_, getToken: () => userToken(user), storage: memoryStorage(), WebSocket: factory, ...FAST });
    const closes = track(client);
    await client.whenSynced();
    const changes: unknown[] = [];
    client.on("phase", (c) => changes.push(c));
    await closeFromHub(user, 4150, "a newer server stops this client");
    await waitFor(() => client.phase === "refused", "refused");
    expect(changes).toEqual([{ from: "synced", to: "refused", reason: "server-refused", close: { code: 4150, reason: "a newer server stops this client" } }]);
    expect([client.status, closes]).toEqual(["closed", [{ code: 4150, willRetry: false }]]);
    const waiting = client.whenSynced();
    client.reconnect();
    await waiting;
    expect(factory.sockets.length).toBe(2);
    await client.close();
  });

  it("4011 (the user's data erased) reconnects at once into the reset", async () => {
    const user = uniqueUser();
    const factory = selfWebSocket();
    const client = createNerveClient({ url: URL_, getToken: () => userToken(user), storage: memoryStorage(), WebSocket: factory, ...NEVER });
    const closes = track(client);
    await client.whenSynced();
    expect((await api(`/api/sync/users/${user}`, { method: "DELETE", token: await serviceToken() })).status).toBe(200);
    await waitFor(() => factory.sockets.length === 2 && client.phase === "synced", "a reconnect at once after 4011");
    expect(closes).toEqual([{ code: 4011, willRetry: true }]);
    await client.close();
  });
});
