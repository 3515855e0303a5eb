import { describe, expect, it } from "vitest";
import { createNerveClient, memoryStorage } from "../../client/index.js";
import { selfWebSocket, waitFor } from "./client-harness.js";
import { api, serviceToken, uniqueUser, userToken } from "./helpers.js";

const URL_ = "wss://nerve.test/ws";
const FAST = { backoff: { minDelayMs: 10, maxDelayMs: 40 } };

describe("client: the epoch goes with the cursor", () => {
  it("persists the epoch with its cursor, sends both, and after an erasure (4011) reconnects into a reset", async () => {
    const user = uniqueUser();
    const storage = memoryStorage();
    const net = selfWebSocket();
    const client = createNerveClient({ url: URL_, getToken: () => userToken(user), storage, WebSocket: net, ...FAST });
    await client.whenSynced();
    const token = await serviceToken();
    expect((await api("/api/sync/credit-update", { token, body: { userId: user, newBalance: 40, change: -10, reason: "shoot" } })).status).toBe(202);
    await waitFor(() => client.seq === 1, "seq 1");
    const epoch = (await api("/api/me", { token: await userToken(user) })).json.epoch as string;
    const record = () => JSON.parse((storage.getItem(`nerve:u:${user}:sync`) as string | null) ?? "null") as { seq: number; epoch: string; mirror: { seq: number; state: object } | null } | null;
    await waitFor(() => record()?.seq === 1 && record()?.epoch === epoch, "the cursor saved with its epoch");

    const erased = await api(`/api/sync/users/${user}`, { method: "DELETE", token });
    expect(erased.status).toBe(200);
    await waitFor(() => net.sockets.length === 2 && client.status === "connected", "a reconnect after 4011");
    // The reconnect resumed from since=1 with the old epoch: the server answered a reset.
    expect(net.sockets[1]!.url).toContain(`since=1&epoch=${epoch}`);
    await waitFor(() => client.getSnapshot().state.credits === undefined, "the erased state gone from the mirror");
    expect(client.seq).toBe(0);
    // The cursor, the new epoch and the reset mirror in one value: never the old history's mirror beside the new epoch.
    await waitFor(() => record()?.seq === 0 && record()?.epoch === erased.json.epoch, "the cursor under the new epoch");
    expect(record()!.mirror).toEqual({ seq: 0, state: {}, versions: {} });
    expect(storage.getItem(`nerve:u:${user}:cursor`)).toBeNull();
    await client.close();
    // A restart shows nothing of the erased history, even offline.
    const again = createNerveClient({ url: URL_, getToken: () => userToken(user), storage, WebSocket: selfWebSocket({ down: () => true }), maxRetries: 0 });
    await expect(again.whenSynced()).rejects.toMatchObject({ code: "OFFLINE" });
    expect(again.state).toEqual({});
    await again.close();
  });
});
