import { SELF, env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { api, connect, device, serviceToken, uniqueUser, userToken } from "./helpers.js";

const hub = (user: string) => env.USER_HUB.get(env.USER_HUB.idFromName(user));
const credit = (userId: string, newBalance: number) => ({ userId, newBalance, change: 1, reason: "test" });

async function publishCredits(user: string, n: number, token: string) {
  for (let i = 0; i < n; i++) expect((await api("/api/sync/credit-update", { token, body: credit(user, i) })).status).toBe(202);
}

describe("log epoch", () => {
  it("WELCOME, /api/me, /api/me/events and the service read all answer the same epoch", async () => {
    const user = uniqueUser();
    const d = await device(user, "phone");
    const epoch = d.catchUp[0]!.epoch as string;
    expect(epoch).toMatch(/^[A-Za-z0-9_-]{1,32}$/);
    expect((await api("/api/me", { token: await userToken(user) })).json.epoch).toBe(epoch);
    expect((await api("/api/me/events?since=0", { token: await userToken(user) })).json.epoch).toBe(epoch);
    expect((await api(`/api/sync/users/${user}`, { token: await serviceToken("sync:read") })).json.epoch).toBe(epoch);
    d.client.close();
  });

  it("a cursor from another history is a reset, never a silent gap; without an epoch the seq alone decides", async () => {
    const user = uniqueUser();
    const service = await serviceToken();
    const first = await device(user, "phone");
    const oldEpoch = first.catchUp[0]!.epoch as string;
    first.client.close();
    await publishCredits(user, 5, service);

    // The history is wiped and a new one of 8 events is written.
    const erased = await api(`/api/sync/users/${user}`, { method: "DELETE", token: service });
    expect(erased).toMatchObject({ status: 200, json: { epoch: expect.stringMatching(/^[A-Za-z0-9_-]{1,32}$/) } });
    expect(erased.json.epoch).not.toBe(oldEpoch);
    await publishCredits(user, 8, service);

    const stale = await device(user, "phone", { since: 5, epoch: oldEpoch });
    expect(stale.catchUp[0]).toMatchObject({ type: "WELCOME", resumed: false, seq: 8, epoch: erased.json.epoch });
    expect(stale.catchUp[1]).toMatchObject({ type: "STATE", reset: true, state: { credits: { newBalance: 7 } } });
    expect(stale.catchUp.map((f) => f.type)).toEqual(["WELCOME", "STATE", "SYNCED"]);
    stale.client.close();

    const current = await device(user, "phone", { since: 5, epoch: erased.json.epoch });
    expect(current.catchUp[0]).toMatchObject({ resumed: true, seq: 8 });
    current.client.close();

    const page = await api(`/api/me/events?since=5&epoch=${oldEpoch}`, { token: await userToken(user) });
    expect(page).toMatchObject({ status: 200, json: { events: [], reset: true, seq: 8, epoch: erased.json.epoch, hasMore: true } });
    const samePage = await api(`/api/me/events?since=5&epoch=${erased.json.epoch}`, { token: await userToken(user) });
    expect(samePage.json).toMatchObject({ reset: false, hasMore: false });
    expect(samePage.json.events.map((e: { seq: number }) => e.seq)).toEqual([6, 7, 8]);

    // A v1 client that sends no epoch keeps today's behaviour.
    const legacy = await device(user, "old-app", { since: 5 });
    expect(legacy.catchUp[0]).toMatchObject({ resumed: true });
    legacy.client.close();
  });

  it("refuses a malformed epoch on /ws (4000) and on /api/me/events (400)", async () => {
    const user = uniqueUser();
    const ws = await connect({ token: await userToken(user), epoch: "not/valid" });
    expect((await ws.waitClosed()).code).toBe(4000);
    const r = await api(`/api/me/events?since=0&epoch=${"x".repeat(33)}`, { token: await userToken(user) });
    expect(r).toMatchObject({ status: 400, json: { error: { code: "INVALID_BODY" } } });
  });
});

describe("user erasure", () => {
  it("closes the user's sockets with 4011 and leaves no row of theirs in any table", async () => {
    const user = uniqueUser();
    const service = await serviceToken();
    const d = await device(user, "laptop");
    d.client.send({ type: "LIMBIC_UPDATE", id: "m-1", data: { trust: 0.9 } });
    await d.client.next("ACCEPTED");
    await api("/api/sync/credit-update", { token: service, headers: { "Idempotency-Key": "k-1" }, body: credit(user, 3) });
    await api("/api/sync/dream", { token: service, body: { userId: user } });

    const erased = await api(`/api/sync/users/${user}`, { method: "DELETE", token: service });
    expect(erased.status).toBe(200);
    expect((await d.client.waitClosed()).code).toBe(4011);

    const rows = await runInDurableObject(hub(user), (_i, state) => {
      const tables = state.storage.sql.exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_%' ESCAPE '\\' AND name NOT LIKE 'sqlite%'").toArray().map((t) => t.name);
      return Object.fromEntries(tables.filter((t) => t !== "log_epoch").map((t) => [t, state.storage.sql.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM ${t}`).one().n]));
    });
    expect(Object.keys(rows)).toEqual(expect.arrayContaining(["events", "state", "devices", "client_messages", "service_keys", "rate_buckets", "jobs", "dream_work"]));
    expect(Object.values(rows).every((n) => n === 0)).toBe(true);
    expect(await runInDurableObject(hub(user), (_i, state) => state.storage.getAlarm())).toBeNull();

    // The id and the key are forgotten with the rest: the same message applies anew, as seq 1.
    const back = await device(user, "laptop");
    back.client.send({ type: "LIMBIC_UPDATE", id: "m-1", data: { trust: 0.9 } });
    expect(await back.client.next("ACCEPTED")).toEqual({ type: "ACCEPTED", id: "m-1", seq: 1, ts: expect.any(Number) });
    back.client.close();
  });

  it("needs sync:publish and a valid userId", async () => {
    expect((await api(`/api/sync/users/${uniqueUser()}`, { method: "DELETE", token: await serviceToken("sync:read") })).status).toBe(403);
    expect((await api(`/api/sync/users/${uniqueUser()}`, { method: "DELETE", token: await userToken(uniqueUser()) })).status).toBe(403);
    expect((await api("/api/sync/users/not%20valid", { method: "DELETE", token: await serviceToken() })).status).toBe(400);
    expect((await SELF.fetch(`https://nerve.test/api/sync/users/${uniqueUser()}`, { method: "DELETE" })).status).toBe(401);
  });
});

describe("topics and the cursor", () => {
  it("a resume that widens its topics is a reset with the full state; a narrower one resumes", async () => {
    const user = uniqueUser();
    const service = await serviceToken();
    const narrow = await device(user, "watch", { topics: "credits" });
    narrow.client.close();
    await api("/api/sync/shoot-progress", { token: service, body: { userId: user, shootId: "s1", status: "processing", processedCount: 1, totalCount: 9 } });
    await publishCredits(user, 1, service);

    const wider = await device(user, "watch", { topics: "credits,shoots", since: 2 });
    expect(wider.catchUp[0]).toMatchObject({ resumed: false });
    expect(wider.catchUp[1]).toMatchObject({ type: "STATE", reset: true, state: { "shoots.s1": { processedCount: 1 }, credits: { newBalance: 0 } } });
    wider.client.close();

    const narrower = await device(user, "watch", { topics: "shoots", since: 2 });
    expect(narrower.catchUp[0]).toMatchObject({ resumed: true });
    narrower.client.close();
  });
});
