import { describe, expect, it } from "vitest";
import { api, device, serviceToken, uniqueUser, userToken } from "./helpers.js";

describe("user isolation", () => {
  it("user A never sees user B's events, state or devices", async () => {
    const [alice, bob] = [uniqueUser("alice"), uniqueUser("bob")];
    const a = await device(alice, "shared-device-name");
    const b = await device(bob, "shared-device-name");
    a.client.drain();
    b.client.drain();
    const token = await serviceToken();
    await api("/api/sync/credit-update", { token, body: { userId: bob, newBalance: 1000, change: 1000, reason: "bob's secret" } });
    expect(await b.client.next("CREDIT_UPDATE")).toMatchObject({ seq: 1, data: { reason: "bob's secret" } });
    // Bob's device message too.
    b.client.send({ type: "LIMBIC_UPDATE", id: "x", data: { valence: 0.1 } });
    expect(await b.client.next("ACCEPTED")).toMatchObject({ seq: 2 });
    // Alice gets nothing: a ping round-trip shows her queue holds only the PONG.
    a.client.send({ type: "PING", data: { t: 1 } });
    expect(await a.client.next()).toMatchObject({ type: "PONG" });
    const me = await api("/api/me", { token: await userToken(alice) });
    expect(me.json).toMatchObject({ userId: alice, seq: 0, state: {} });
    expect(me.json.devices.map((d: { deviceId: string }) => d.deviceId)).toEqual(["shared-device-name"]);
    expect((await api("/api/me/events?since=0", { token: await userToken(alice) })).json.events).toEqual([]);
    a.client.close();
    b.client.close();
  });

  it("a user token cannot choose its user through the query, the path or a body", async () => {
    const [alice, bob] = [uniqueUser("alice"), uniqueUser("bob")];
    await api("/api/sync/credit-update", { token: await serviceToken(), body: { userId: bob, newBalance: 5, change: 5, reason: "b" } });
    const aliceToken = await userToken(alice);
    // /ws ignores any user in the query: the token's sub decides.
    const a = await device(alice, "d", { user: bob, userId: bob });
    expect(a.catchUp[0]).toMatchObject({ userId: alice, seq: 0 });
    a.client.close();
    // A user token cannot read another user through the service API.
    expect((await api(`/api/sync/users/${bob}`, { token: aliceToken })).status).toBe(403);
    expect((await api(`/api/me?userId=${bob}`, { token: aliceToken })).json.userId).toBe(alice);
  });
});
