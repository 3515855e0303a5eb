import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { MAX_REMEMBERED_ANSWER_BYTES } from "../../durable-objects/dedup.js";
import { api, device, serviceToken, shoot, uniqueUser, userToken } from "./helpers.js";

const hub = (user: string) => env.USER_HUB.get(env.USER_HUB.idFromName(user));
const eventsOf = async (user: string) => (await api("/api/me/events?since=0", { token: await userToken(user) })).json.events as { type: string; seq: number }[];

describe("Idempotency-Keys: per service, bound to their request", () => {
  it("a key reused on another route is refused with 422 and changes nothing (no dream is queued)", async () => {
    const user = uniqueUser();
    const token = await serviceToken();
    const key = { "Idempotency-Key": "job-7" };
    expect((await api("/api/sync/shoot-progress", { token, headers: key, body: shoot(user, "s", 1, 2) })).json).toEqual({ seq: 1, delivered: 0 });
    const dream = await api("/api/sync/dream", { token, headers: key, body: { userId: user } });
    expect(dream).toMatchObject({ status: 422, json: { error: { code: "IDEMPOTENCY_KEY_REUSED" } } });
    expect((await eventsOf(user)).map((e) => e.type)).toEqual(["SHOOT_PROGRESS"]);
  });

  it("a key reused with another body is refused; the same request again is the duplicate", async () => {
    const user = uniqueUser();
    const token = await serviceToken();
    const key = { "Idempotency-Key": "charge-1" };
    const body = { userId: user, newBalance: 90, change: -10, reason: "shoot" };
    expect((await api("/api/sync/credit-update", { token, headers: key, body })).status).toBe(202);
    expect((await api("/api/sync/credit-update", { token, headers: key, body: { ...body, newBalance: 80 } }))).toMatchObject({ status: 422, json: { error: { code: "IDEMPOTENCY_KEY_REUSED" } } });
    expect((await api("/api/sync/credit-update", { token, headers: key, body })).json).toEqual({ seq: 1, delivered: 0, duplicate: true });
    expect(await eventsOf(user)).toHaveLength(1);
  });

  it("another service's write with the same key is its own write", async () => {
    const user = uniqueUser();
    const key = { "Idempotency-Key": "same-key" };
    const a = await api("/api/sync/shoot-progress", { token: await serviceToken(undefined, "culler"), headers: key, body: shoot(user, "s", 1, 2) });
    const b = await api("/api/sync/shoot-progress", { token: await serviceToken(undefined, "billing"), headers: key, body: shoot(user, "s", 1, 2) });
    expect([a.json, b.json]).toEqual([{ seq: 1, delivered: 0 }, { seq: 2, delivered: 0 }]);
  });

  it("a repeated dream request answers its cycleId again and queues nothing more", async () => {
    const user = uniqueUser();
    const token = await serviceToken();
    const key = { "Idempotency-Key": "nightly-1" };
    const first = await api("/api/sync/dream", { token, headers: key, body: { userId: user } });
    expect(first).toMatchObject({ status: 202, json: { cycleId: expect.stringMatching(/^dc-/), seq: 1 } });
    const again = await api("/api/sync/dream", { token, headers: key, body: { userId: user } });
    expect(again.json).toEqual({ ...first.json, duplicate: true });
    expect((await eventsOf(user)).map((e) => e.type)).toEqual(["DREAM_QUEUED"]);
  });
});

describe("client message ids", () => {
  it("an INVALID_MESSAGE answer is remembered by id: a corrected message reusing the id is not applied", async () => {
    const user = uniqueUser();
    const d = await device(user, "phone");
    d.client.send({ type: "LIMBIC_UPDATE", id: "m-1", data: { trust: 7 } });
    const refused = await d.client.next("ERROR");
    expect(refused).toMatchObject({ id: "m-1", code: "INVALID_MESSAGE" });
    d.client.send({ type: "LIMBIC_UPDATE", id: "m-1", data: { trust: 0.7 } });
    expect(await d.client.next("ERROR")).toEqual(refused);
    expect(await eventsOf(user)).toEqual([]);
    d.client.close();
  });

  it("remembered CONFLICT answers are compact: 50 stale updates against a large value stay within bytes per answer", async () => {
    const user = uniqueUser();
    const token = await serviceToken();
    const answers = (from: number) => Object.fromEntries(Array.from({ length: 55 }, (_, i) => [`q${from + i}`, "a".repeat(4000)]));
    for (const from of [0, 55, 110]) {
      expect((await api("/api/sync/state", { token, body: { userId: user, convergence: { answers: answers(from) } } })).status).toBe(202);
    }
    const d = await device(user, "phone");
    for (let i = 0; i < 50; i++) d.client.send({ type: "CONVERGENCE_UPDATE", id: `stale-${i}`, baseVersion: 1, data: { progress: 0.5 } });
    for (let i = 0; i < 50; i++) expect(await d.client.next("ERROR")).toMatchObject({ id: `stale-${i}`, code: "CONFLICT", currentVersion: 3 });
    const bytes = await runInDurableObject(hub(user), (_i, state) => state.storage.sql.exec<{ b: number }>("SELECT SUM(LENGTH(answer)) AS b FROM client_messages").one().b);
    expect(bytes).toBeLessThan(50 * MAX_REMEMBERED_ANSWER_BYTES);

    // A retry still gets the current value, read again.
    d.client.send({ type: "CONVERGENCE_UPDATE", id: "stale-0", baseVersion: 1, data: { progress: 0.5 } });
    const replay = await d.client.next("ERROR");
    expect(replay).toMatchObject({ id: "stale-0", code: "CONFLICT", currentVersion: 3 });
    expect(Object.keys((replay.current as { answers: object }).answers)).toHaveLength(165);
    d.client.close();
  });
});

describe("/api/me/events limit", () => {
  it.each(["0", "501", "-1", "1.5", "x"])("refuses limit=%s with 400", async (limit) => {
    const r = await api(`/api/me/events?since=0&limit=${limit}`, { token: await userToken(uniqueUser()) });
    expect(r).toMatchObject({ status: 400, json: { error: { code: "INVALID_BODY" } } });
  });

  it.each(["1", "500"])("takes limit=%s", async (limit) => {
    expect((await api(`/api/me/events?since=0&limit=${limit}`, { token: await userToken(uniqueUser()) })).status).toBe(200);
  });
});
