import { describe, expect, it } from "vitest";
import { createNerveClient, memoryStorage, type PhaseChange } from "../../client/index.js";
import { selfWebSocket, waitFor } from "./client-harness.js";
import { api, serviceToken, uniqueUser, userToken } from "./helpers.js";

const URL_ = "wss://nerve.test/ws";
const FAST = { backoff: { minDelayMs: 10, maxDelayMs: 40 } };
const arrow = (c: PhaseChange) => `${c.from}>${c.to}:${c.reason}`;

describe("client: one phase", () => {
  it("idle, connecting, catching-up, synced; a drop reconnects; close() ends it; status follows", async () => {
    const user = uniqueUser();
    const factory = selfWebSocket();
    const client = createNerveClient({ url: URL_, getToken: () => userToken(user), storage: memoryStorage(), WebSocket: factory, autoConnect: false, ...FAST });
    const seen: string[] = [];
    client.on("phase", (c) => seen.push(`${arrow(c)} ${client.status} ${client.getSnapshot().phase} ${client.getSnapshot().synced}`));
    client.on("status", (s) => seen.push(`status ${s}`));
    expect([client.phase, client.status, client.getSnapshot().synced]).toEqual(["idle", "closed", false]);
    client.connect();
    await client.whenSynced();
    factory.sockets[0]!.drop();
    await waitFor(() => factory.sockets.length === 2 && client.phase === "synced", "back after the drop");
    await client.close();
    client.reconnect(); // closed is final
    expect(seen).toEqual([
      "idle>connecting:connect connecting connecting false", "status connecting",
      "connecting>catching-up:welcome connected catching-up false", "status connected",
      "catching-up>synced:synced connected synced true",
      "synced>reconnecting:connection-lost reconnecting reconnecting false", "status reconnecting",
      "reconnecting>catching-up:welcome connected catching-up false", "status connected",
      "catching-up>synced:synced connected synced true",
      "synced>closed:client-closed closed closed false", "status closed",
    ]);
    expect(factory.sockets.length).toBe(2);
  });

  it("a restored mirror older than its cursor is not synced at SYNCED, only once the full STATE made it whole", async () => {
    const user = uniqueUser();
    const storage = memoryStorage();
    const first = createNerveClient({ url: URL_, getToken: () => userToken(user), storage, WebSocket: selfWebSocket() });
    await first.whenSynced();
    await first.send("LIMBIC_UPDATE", { trust: 0.8 });
    await first.close();
    expect((await api("/api/sync/shoot-progress", { token: await serviceToken(), body: { userId: user, shootId: "s1", status: "processing", processedCount: 4, totalCount: 9 } })).status).toBe(202);
    // What a crash leaves when the cursor moved to seq 2 within the second before the mirror's next save.
    const key = `nerve:u:${user}:sync`;
    const record = JSON.parse(storage.getItem(key) as string) as { seq: number; mirror: { seq: number } };
    expect([record.seq, record.mirror.seq]).toEqual([1, 1]);
    storage.setItem(key, JSON.stringify({ ...record, seq: 2 }));

    const net = selfWebSocket();
    const again = createNerveClient({ url: URL_, getToken: () => userToken(user), storage, WebSocket: net });
    const phases: string[] = [];
    let atSynced: unknown = null;
    let atCatchUp: unknown = null;
    again.on("phase", (c) => {
      phases.push(arrow(c));
      if (c.to === "catching-up") atCatchUp = { trust: again.state.limbic?.trust, shoot: again.state["shoots.s1"], synced: again.getSnapshot().synced };
    });
    again.on("synced", () => {
      atSynced = { sent: net.sockets[0]!.sent.filter((f) => f.includes("STATE_SYNC")), shoot: again.state["shoots.s1"]?.processedCount, synced: again.getSnapshot().synced };
    });
    await again.whenSynced();
    // The stored mirror is shown, but not trusted: it lacks seq 2.
    expect(atCatchUp).toEqual({ trust: 0.8, shoot: undefined, synced: false });
    expect(atSynced).toEqual({ sent: ['{"type":"STATE_SYNC"}'], shoot: 4, synced: true });
    expect(phases).toEqual(["connecting>catching-up:welcome", "catching-up>synced:synced"]);
    const me = await api("/api/me", { token: await userToken(user) });
    expect(again.state).toEqual(me.json.state);
    await again.close();
  });

  it("a seq gap while synced goes back to catching-up until the full STATE heals the mirror", async () => {
    const user = uniqueUser();
    const factory = selfWebSocket({ loseIncoming: (t) => t.includes('"seq":2,') && t.includes('"SHOOT_PROGRESS"') });
    const client = createNerveClient({ url: URL_, getToken: () => userToken(user), storage: memoryStorage(), WebSocket: factory });
    await client.whenSynced();
    const phases: string[] = [];
    client.on("phase", (c) => phases.push(arrow(c)));
    const token = await serviceToken();
    for (const n of [1, 2, 3]) {
      expect((await api("/api/sync/shoot-progress", { token, body: { userId: user, shootId: "s1", status: "processing", processedCount: n, totalCount: 9 } })).status).toBe(202);
    }
    await waitFor(() => phases.length === 2, "the resync and back");
    expect(phases).toEqual(["synced>catching-up:resync", "catching-up>synced:synced"]);
    expect([client.seq, client.state["shoots.s1"]?.processedCount, factory.sockets.length]).toEqual([3, 3, 1]);
    await client.close();
  });

  it("a stop code (4001) ends in refused, with the close as the cause of the rejected wait", async () => {
    const factory = selfWebSocket({ mapUrl: (u) => u.replace(/token=[^&]+&?/, "") });
    const client = createNerveClient({ url: URL_, getToken: () => userToken(uniqueUser()), storage: memoryStorage(), WebSocket: factory, tokenTransport: "query", ...FAST });
    const phases: string[] = [];
    client.on("phase", (c) => phases.push(arrow(c)));
    const err = await client.whenSynced().catch((e: unknown) => e);
    expect(err).toMatchObject({ name: "NerveClientError", code: "CLOSED", cause: { code: 4001, reason: "token missing" } });
    expect(phases).toEqual(["connecting>refused:server-refused"]);
    expect([client.phase, client.status]).toEqual(["refused", "closed"]);
    await client.close();
    expect(client.phase).toBe("closed");
  });
});
