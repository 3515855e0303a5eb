import { env, evictDurableObject, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createNerveClient, memoryStorage, type NerveClient, type SendResult, type TypedEvent } from "../../client/index.js";
import { selfWebSocket, waitFor } from "./client-harness.js";
import { api, serviceToken, uniqueUser, userToken } from "./helpers.js";

const hub = (user: string) => env.USER_HUB.get(env.USER_HUB.idFromName(user));
const FAST = { backoff: { minDelayMs: 20, maxDelayMs: 200 } };

interface Disruption {
  run: (ctx: { user: string; factory: ReturnType<typeof selfWebSocket>; client: NerveClient }) => Promise<void>;
  /** The close code the client sees. */
  code: number;
  /** Whether the message sent just before is certain to lose its answer (and so must go out twice). */
  answerLost: boolean;
}

/** Every way a connection can break in the middle of a stream. */
const disruptions: Record<string, Disruption> = {
  "the server closes the socket (1011)": {
    run: async ({ user }) => {
      await runInDurableObject(hub(user), (_instance, state) => {
        for (const ws of state.getWebSockets()) ws.close(1011, "test: server closes");
      });
    },
    code: 1011,
    answerLost: false,
  },
  "the Durable Object is evicted with its sockets closed": {
    run: async ({ user }) => {
      await evictDurableObject(hub(user), { webSockets: "close" });
    },
    code: 1006,
    answerLost: false,
  },
  "the network drops (client side 1006)": {
    run: async ({ factory }) => {
      factory.sockets.at(-1)!.drop();
    },
    code: 1006,
    answerLost: true,
  },
};

async function publish(token: string, user: string, i: number): Promise<void> {
  // Two thirds messages (replayed one by one on resume), one third state (coalesced on resume).
  const r = i % 3 === 0
    ? await api("/api/sync/shoot-progress", { token, body: { userId: user, shootId: "s1", status: "processing", processedCount: i, totalCount: 1000 } })
    : await api("/api/sync/prompt-change", { token, body: { userId: user, promptId: `p${i}`, action: "updated" } });
  expect(r.status).toBe(202);
}

describe("client: forced disconnects in the middle of a stream", () => {
  for (const [name, disrupt] of Object.entries(disruptions)) {
    it(`${name}: every event once and in order, the outbox applied once`, async () => {
      const user = uniqueUser();
      const factory = selfWebSocket();
      const client = createNerveClient({ url: "wss://nerve.test/ws", getToken: () => userToken(user), deviceId: "phone", storage: memoryStorage(), WebSocket: factory, ...FAST });
      const events: TypedEvent[] = [];
      client.on("event", (e) => events.push(e));
      const closes: number[] = [];
      client.on("close", (c) => closes.push(c.code));
      const syncs: boolean[] = [];
      client.on("synced", (s) => syncs.push(s.resumed));
      await client.whenSynced();
      const token = await serviceToken();

      const sends: Promise<SendResult>[] = [];
      for (let i = 1; i <= 30; i++) await publish(token, user, i);
      sends.push(client.send("LIMBIC_UPDATE", { trust: 0.1 }));
      await waitFor(() => client.getSnapshot().pending === 0, "the first send to be answered");

      // A message whose answer is lost with the connection: it must be applied once, answered once.
      sends.push(client.send("LIMBIC_UPDATE", { warmth: 0.2 }));
      await disrupt.run({ user, factory, client });
      await waitFor(() => client.status !== "connected", "the client to notice the disconnect");
      // Sent while disconnected: queued, then sent on reconnect.
      sends.push(client.send("LIMBIC_UPDATE", { valence: 0.3 }));
      for (let i = 31; i <= 60; i++) await publish(token, user, i);
      sends.push(client.send("LIMBIC_UPDATE", { humor: 0.4 }));
      for (let i = 61; i <= 90; i++) await publish(token, user, i);

      const results = await Promise.all(sends);
      const me = await api("/api/me", { token: await userToken(user) });
      expect(me.status).toBe(200);
      await waitFor(() => client.seq === me.json.seq && client.getSnapshot().synced, `the client to reach seq ${me.json.seq}`);
      expect(me.json.seq).toBe(94);

      // The break happened, and the client resumed from its cursor rather than starting over.
      expect(closes).toEqual([disrupt.code]);
      expect(syncs).toEqual([false, true]);
      expect(factory.sockets.length).toBe(2);

      // Every event the client was handed: strictly increasing seqs (so none twice, none out of order).
      const seqs = events.map((e) => e.seq);
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
      expect(new Set(seqs).size).toBe(seqs.length);
      // Messages are never coalesced: each prompt change arrives exactly once, in publish order.
      const prompts = events.filter((e) => e.type === "PROMPT_CHANGE").map((e) => (e.data as { promptId: string }).promptId);
      const expected = Array.from({ length: 90 }, (_, k) => k + 1).filter((i) => i % 3 !== 0).map((i) => `p${i}`);
      expect(prompts).toEqual(expected);
      // Progress may be coalesced across the gap, never reordered; the mirror ends on the latest.
      const progress = events.filter((e) => e.type === "SHOOT_PROGRESS").map((e) => (e.data as { processedCount: number }).processedCount);
      expect(progress).toEqual([...progress].sort((a, b) => a - b));
      expect(client.state).toEqual(me.json.state);

      // The outbox: four answers, four distinct events, each applied exactly once on the server.
      expect(results.map((r) => r.id).length).toBe(4);
      const log = await api("/api/me/events?since=0&limit=500", { token: await userToken(user) });
      const limbic = (log.json.events as { type: string; seq: number; from: string; data: unknown }[]).filter((e) => e.type === "LIMBIC_UPDATE");
      expect(limbic.map((e) => e.data)).toEqual([{ trust: 0.1 }, { warmth: 0.2 }, { valence: 0.3 }, { humor: 0.4 }]);
      expect(limbic.every((e) => e.from === "phone")).toBe(true);
      expect(results.map((r) => r.seq)).toEqual(limbic.map((e) => e.seq));
      if (disrupt.answerLost) {
        const warmthId = results[1]!.id;
        const carriers = factory.sockets.filter((ws) => ws.sent.some((f) => f.includes(`"id":"${warmthId}"`)));
        expect(carriers.length).toBe(2);
      }
      expect(client.state.limbic).toEqual({ trust: 0.1, warmth: 0.2, arousal: 0.5, valence: 0.3, posture: 0.5, empathy: 0.5, intuition: 0.5, creativity: 0.5, wisdom: 0.5, humor: 0.4 });
      await client.close();
    });
  }

  it("survives a hibernating eviction without reconnecting", async () => {
    const user = uniqueUser();
    const factory = selfWebSocket();
    const client = createNerveClient({ url: "wss://nerve.test/ws", getToken: () => userToken(user), deviceId: "tab", storage: memoryStorage(), WebSocket: factory, ...FAST });
    const events: number[] = [];
    client.on("event", (e) => events.push(e.seq));
    await client.whenSynced();
    const token = await serviceToken();
    for (let i = 1; i <= 5; i++) await publish(token, user, i);
    await evictDurableObject(hub(user), { webSockets: "hibernate" });
    for (let i = 6; i <= 10; i++) await publish(token, user, i);
    const r = await client.send("POSTURE_CHANGE", { posture: "peer" });
    expect(r.seq).toBe(11);
    await waitFor(() => events.length === 11, "11 events");
    expect(events).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(factory.sockets.length).toBe(1);
    await client.close();
  });
});
