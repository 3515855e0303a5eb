import { describe, expect, it } from "vitest";
import { api, device, serviceToken, shoot, uniqueUser, userToken } from "./helpers.js";

describe("state removals", () => {
  it("DELETE /api/sync/users/:userId/state/:key removes one key: 200 {seq, delivered}, STATE_REMOVED live, gone from /api/me", async () => {
    const user = uniqueUser("del");
    const token = await serviceToken();
    await api("/api/sync/shoot-progress", { token, body: shoot(user, "s1", 1, 5) });
    await api("/api/sync/shoot-progress", { token, body: shoot(user, "s2", 1, 5) });
    const phone = await device(user, "phone");
    const shootsOnly = await device(user, "watch", { topics: "credits" });
    const r = await api(`/api/sync/users/${user}/state/shoots.s1`, { method: "DELETE", token });
    expect(r).toMatchObject({ status: 200, json: { seq: 3, delivered: 1 } });
    expect(await phone.client.next("STATE_REMOVED")).toEqual({ type: "STATE_REMOVED", seq: 3, ts: expect.any(Number), data: { keys: ["shoots.s1"], reason: "deleted" }, from: "test-service" });
    const me = await api("/api/me", { token: await userToken(user) });
    expect(Object.keys(me.json.state)).toEqual(["shoots.s2"]);
    // The credits-only connection does not get a shoots removal.
    expect(shootsOnly.client.drain().filter((f) => f.type === "STATE_REMOVED")).toEqual([]);
    phone.client.close();
    shootsOnly.client.close();
  });

  it("DELETE answers 404 for a key that is not there, 400 for a key that cannot be removed, 403 without sync:publish", async () => {
    const user = uniqueUser("del-codes");
    const token = await serviceToken();
    expect(await api(`/api/sync/users/${user}/state/shoots.nope`, { method: "DELETE", token })).toMatchObject({ status: 404, json: { error: { code: "NOT_FOUND" } } });
    expect(await api(`/api/sync/users/${user}/state/dreams`, { method: "DELETE", token })).toMatchObject({ status: 400, json: { error: { code: "INVALID_BODY" } } });
    expect(await api(`/api/sync/users/${user}/state/shoots.${"x".repeat(200)}`, { method: "DELETE", token })).toMatchObject({ status: 400 });
    expect(await api(`/api/sync/users/${user}/state/limbic`, { method: "DELETE", token: await serviceToken("sync:read") })).toMatchObject({ status: 403, json: { error: { code: "FORBIDDEN" } } });
    expect((await api("/api/me", { token: await userToken(user) })).json.seq).toBe(0);
    // The user erasure route beside it still works.
    expect(await api(`/api/sync/users/${user}`, { method: "DELETE", token })).toMatchObject({ status: 200, json: { epoch: expect.any(String) } });
  });

  it("a device that was away gets the removed keys in STATE.removed; a key written again after its removal comes as a value", async () => {
    const user = uniqueUser("away");
    const token = await serviceToken();
    await api("/api/sync/shoot-progress", { token, body: shoot(user, "a", 1, 5) });
    await api("/api/sync/shoot-progress", { token, body: shoot(user, "b", 1, 5) });
    await api("/api/sync/state", { token, body: { userId: user, limbic: { trust: 0.2 } } });
    // The device has seen seq 3, then goes away.
    await api(`/api/sync/users/${user}/state/shoots.a`, { method: "DELETE", token });
    await api(`/api/sync/users/${user}/state/limbic`, { method: "DELETE", token });
    await api(`/api/sync/users/${user}/state/shoots.b`, { method: "DELETE", token });
    await api("/api/sync/shoot-progress", { token, body: shoot(user, "b", 2, 5) });
    const back = await device(user, "laptop", { since: 3 });
    expect(back.catchUp.map((f) => f.type)).toEqual(["WELCOME", "STATE", "SYNCED"]);
    expect(back.catchUp[1]).toMatchObject({ type: "STATE", seq: 7, reset: false, removed: ["shoots.a", "limbic"], versions: { "shoots.b": 7 } });
    // Filtered by topic like the rest of STATE.
    const shootsOnly = await device(user, "tablet", { since: 3, topics: "shoots" });
    expect(shootsOnly.catchUp[1]).toMatchObject({ removed: ["shoots.a"] });
    // A device already past the removals gets no removed field.
    const current = await device(user, "phone", { since: 7 });
    expect(current.catchUp[1]).not.toHaveProperty("removed");
    for (const d of [back, shootsOnly, current]) d.client.close();
  });
});
