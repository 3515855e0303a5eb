import { describe, expect, it } from "vitest";
import { createNerveClient, memoryStorage } from "../../client/index.js";
import { AT_MAX_AGE_MS } from "../../protocol/index.js";
import { selfWebSocket, waitFor } from "./client-harness.js";
import { api, device, uniqueUser, userToken } from "./helpers.js";

describe("when a change was made: `at` on state updates", () => {
  it("stamps the posture history with the clamped `at`; the event keeps the server's ts and carries `at`", async () => {
    const user = uniqueUser("at");
    const phone = await device(user, "phone");
    const laptop = await device(user, "laptop");
    const before = Date.now();
    const made = before - 60_000;
    phone.client.send({ type: "POSTURE_CHANGE", id: "p1", at: made, data: { posture: "companion" } });
    const accepted = await phone.client.next("ACCEPTED");
    expect(accepted).toEqual({ type: "ACCEPTED", id: "p1", seq: 1, ts: expect.any(Number), at: made });
    expect(accepted.ts).toBeGreaterThanOrEqual(before);
    expect(await laptop.client.next("POSTURE_CHANGE")).toEqual({ type: "POSTURE_CHANGE", seq: 1, ts: accepted.ts, at: made, from: "phone", data: { posture: "companion" } });
    // From the future: clamped to the server's now (no `at` on the frame then). Far in the past: clamped to AT_MAX_AGE_MS ago.
    phone.client.send({ type: "POSTURE_CHANGE", id: "p2", at: Date.now() + 3_600_000, data: { posture: "peer" } });
    const future = await phone.client.next("ACCEPTED");
    expect(future).toEqual({ type: "ACCEPTED", id: "p2", seq: 2, ts: expect.any(Number) });
    phone.client.send({ type: "POSTURE_CHANGE", id: "p3", at: 0, data: { posture: "expert" } });
    const old = await phone.client.next("ACCEPTED");
    expect(old.at).toBe((old.ts as number) - AT_MAX_AGE_MS);
    const me = await api("/api/me", { token: await userToken(user) });
    expect(me.json.state.posture.history.map((h: { at: number }) => h.at)).toEqual([made, future.ts, old.at]);
    expect(me.json.state.posture).toMatchObject({ posture: "expert", changedAt: old.at, by: "phone" });
    // Only state updates take it.
    phone.client.send({ type: "DREAM_START", id: "d1", at: made, data: {} });
    expect(await phone.client.next("ERROR")).toMatchObject({ id: "d1", code: "INVALID_MESSAGE", issues: [{ path: "at", message: "only state updates take at" }] });
    phone.client.close();
    laptop.client.close();
  });

  it("the SDK stamps an edit made offline with the time it was made, and both devices' mirrors match the server", async () => {
    const user = uniqueUser("at");
    let down = false;
    const net = selfWebSocket({ down: () => down });
    const phone = createNerveClient({ url: "wss://nerve.test/ws", getToken: () => userToken(user), deviceId: "phone", storage: memoryStorage(), WebSocket: net, maxRetries: 0, backoff: { minDelayMs: 10, maxDelayMs: 40 } });
    const desktop = createNerveClient({ url: "wss://nerve.test/ws", getToken: () => userToken(user), deviceId: "desktop", storage: memoryStorage(), WebSocket: selfWebSocket() });
    await Promise.all([phone.whenSynced(), desktop.whenSynced()]);
    down = true;
    net.sockets.at(-1)!.drop();
    await waitFor(() => phone.status === "offline", "offline");
    const madeAt = Date.now();
    const sent = phone.send("POSTURE_CHANGE", { posture: "companion" });
    await new Promise((r) => setTimeout(r, 50)); // the edit must reach the server measurably later than it was made
    down = false;
    phone.reconnect();
    await sent;
    await waitFor(() => desktop.state.posture !== undefined, "the desktop gets it");
    const changedAt = desktop.state.posture!.changedAt;
    expect(changedAt).toBeGreaterThanOrEqual(madeAt);
    expect(changedAt).toBeLessThan(madeAt + 40);
    const me = await api("/api/me", { token: await userToken(user) });
    expect(phone.state.posture).toEqual(me.json.state.posture);
    expect(desktop.state.posture).toEqual(me.json.state.posture);
    await Promise.all([phone.close(), desktop.close()]);
  });
});
