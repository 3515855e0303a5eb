import { describe, expect, it } from "vitest";
import { createNerveClient, memoryStorage, type NerveStatus } from "../../client/index.js";
import { selfWebSocket, waitFor } from "./client-harness.js";
import { api, serviceToken, uniqueUser, userToken } from "./helpers.js";

describe("client: connect", () => {
  it("connects, syncs, mirrors state and delivers live events", async () => {
    const user = uniqueUser();
    const statuses: NerveStatus[] = [];
    const client = createNerveClient({
      url: "wss://nerve.test/ws", getToken: () => userToken(user), deviceId: "laptop", platform: "macos",
      storage: memoryStorage(), WebSocket: selfWebSocket(),
    });
    client.on("status", (s) => statuses.push(s));
    await client.whenSynced();
    expect(client.status).toBe("connected");
    expect(client.getSnapshot()).toMatchObject({ userId: user, deviceId: "laptop", seq: 0, synced: true, state: {} });
    expect(client.devices.map((d) => d.deviceId)).toEqual(["laptop"]);

    const seen: number[] = [];
    client.on("SHOOT_PROGRESS", (e) => seen.push(e.data.processedCount));
    const r = await api("/api/sync/shoot-progress", { token: await serviceToken(), body: { userId: user, shootId: "s1", status: "processing", processedCount: 3, totalCount: 10 } });
    expect(r.status).toBe(202);
    await waitFor(() => seen.length === 1, "the event");
    expect(seen).toEqual([3]);
    expect(client.state["shoots.s1"]).toEqual({ shootId: "s1", status: "processing", processedCount: 3, totalCount: 10, updatedAt: expect.any(Number) });
    expect(client.versions).toEqual({ "shoots.s1": 1 });
    expect(client.seq).toBe(1);

    const accepted = await client.send("LIMBIC_UPDATE", { trust: 0.9 });
    expect(accepted).toEqual({ id: expect.stringMatching(/^m-/), seq: 2, duplicate: false });
    expect(client.state.limbic).toMatchObject({ trust: 0.9, warmth: 0.5 });
    expect(client.seq).toBe(2);
    await client.close();
    expect(client.status).toBe("closed");
    expect(statuses).toEqual(["connected", "closed"]);
  });

  it("sends the token as a subprotocol by default, never in the URL, and the server answers nerve.v1", async () => {
    const user = uniqueUser();
    const urls: string[] = [];
    const factory = selfWebSocket({ mapUrl: (u) => (urls.push(u), u) });
    const client = createNerveClient({ url: "wss://nerve.test/ws", getToken: () => userToken(user), storage: memoryStorage(), WebSocket: factory });
    await client.whenSynced();
    expect(factory.sockets[0]!.protocol).toBe("nerve.v1");
    expect(urls).toHaveLength(1);
    expect(urls[0]).not.toMatch(/token=/);
    expect(client.getSnapshot().userId).toBe(user);
    await client.close();
  });

  it("still sends ?token= when asked (tokenTransport: \"query\")", async () => {
    const user = uniqueUser();
    const urls: string[] = [];
    const factory = selfWebSocket({ mapUrl: (u) => (urls.push(u), u) });
    const client = createNerveClient({ url: "wss://nerve.test/ws", getToken: () => userToken(user), storage: memoryStorage(), WebSocket: factory, tokenTransport: "query" });
    await client.whenSynced();
    expect(factory.sockets[0]!.protocol).toBe("");
    expect(urls[0]).toMatch(/[?&]token=ey/);
    await client.close();
  });

  it("a topic-filtered connection skips other topics' seqs without resyncing", async () => {
    const user = uniqueUser();
    const factory = selfWebSocket();
    const client = createNerveClient({ url: "wss://nerve.test/ws", getToken: () => userToken(user), storage: memoryStorage(), WebSocket: factory, topics: ["shoots"] });
    const events: number[] = [];
    client.on("event", (e) => events.push(e.seq));
    await client.whenSynced();
    const token = await serviceToken();
    expect((await api("/api/sync/prompt-change", { token, body: { userId: user, promptId: "p1", action: "created" } })).status).toBe(202);
    expect((await api("/api/sync/shoot-progress", { token, body: { userId: user, shootId: "s1", status: "queued", processedCount: 0, totalCount: 5 } })).status).toBe(202);
    await waitFor(() => client.seq === 2, "seq 2");
    expect(events).toEqual([2]);
    expect(Object.keys(client.state)).toEqual(["shoots.s1"]);
    expect(factory.sockets[0]!.sent.filter((f) => f !== "ping")).toEqual([]);
    await client.close();
  });
});
