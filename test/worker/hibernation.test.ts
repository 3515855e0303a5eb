import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { api, device, hubOf, publishDirect, serviceToken, uniqueUser, userToken } from "./helpers.js";

/** Marks the live instance, so a test can tell that an eviction really made a new one. */
const mark = (user: string) => runInDurableObject(hubOf(user), (instance) => {
  (instance as unknown as { marker?: string }).marker = "before";
});
const marker = (user: string) => runInDurableObject(hubOf(user), (instance) => (instance as unknown as { marker?: string }).marker);

describe("forced hibernation (evictDurableObject)", () => {
  it("keeps the attachments, the ACK cursors and the rate buckets, and loses nothing", async () => {
    const user = uniqueUser();
    const phone = await device(user, "phone", { platform: "ios", name: "Ada's iPhone", topics: "state,credits,presence" });
    const web = await device(user, "web", { platform: "web" });
    const token = await serviceToken();
    await api("/api/sync/credit-update", { token, body: { userId: user, newBalance: 50, change: 50, reason: "purchase" } });
    expect(await phone.client.next("CREDIT_UPDATE")).toMatchObject({ seq: 1 });
    expect(await web.client.next("CREDIT_UPDATE")).toMatchObject({ seq: 1 });
    const t0 = Date.now();
    phone.client.send({ type: "ACK", id: "a1", data: { seq: 1 } });
    expect(await phone.client.next("ACCEPTED")).toEqual({ type: "ACCEPTED", id: "a1" });
    for (let i = 0; i < 40; i++) phone.client.send({ type: "PING", data: { t: i } });
    for (let i = 0; i < 40; i++) await phone.client.next("PONG");
    const refilled = (Date.now() - t0) / 600; // a token a 600 ms: a slow machine refills more
    const bucketBefore = await runInDurableObject(hubOf(user), (_i, state) =>
      state.storage.sql.exec<{ tokens: number }>("SELECT tokens FROM rate_buckets WHERE name = 'client'").one().tokens);

    await mark(user);
    await evictDurableObject(hubOf(user), { webSockets: "hibernate" });
    expect(await marker(user)).toBeUndefined(); // a new instance

    // The bucket survived: what was spent stays spent (it only refills with time).
    const bucketAfter = await runInDurableObject(hubOf(user), (_i, state) =>
      state.storage.sql.exec<{ tokens: number }>("SELECT tokens FROM rate_buckets WHERE name = 'client'").one().tokens);
    // 40 taken of 100 (written every tenth take), plus what refilled while they arrived.
    expect(bucketBefore).toBeLessThan(60 + refilled + 1);
    expect(bucketAfter).toBe(bucketBefore);

    // The attachments survived: the sockets are still the same devices with their topics.
    const attachments = await runInDurableObject(hubOf(user), (_i, state) =>
      state.getWebSockets().map((ws) => ws.deserializeAttachment() as { deviceId: string; platform: string; name?: string; topics: string[] | null }));
    expect(attachments.map((a) => [a.deviceId, a.platform, a.name, a.topics]).sort()).toEqual([
      ["phone", "ios", "Ada's iPhone", ["state", "credits", "presence"]],
      ["web", "web", undefined, null],
    ]);

    // Events published while hibernated wake the hub and reach both sockets, from the next seq.
    await api("/api/sync/credit-update", { token, body: { userId: user, newBalance: 45, change: -5, reason: "cull" } });
    expect(await phone.client.next("CREDIT_UPDATE")).toMatchObject({ seq: 2, from: "test-service", data: { newBalance: 45 } });
    expect(await web.client.next("CREDIT_UPDATE")).toMatchObject({ seq: 2 });
    // A filtered topic stays filtered: the phone does not get shoots.
    await publishDirect(user, "SHOOT_PROGRESS", { shootId: "s", status: "queued", processedCount: 0, totalCount: 3 });
    await publishDirect(user, "CREDIT_UPDATE", { newBalance: 44, change: -1, reason: "x" });
    expect(await phone.client.next()).toMatchObject({ type: "CREDIT_UPDATE", seq: 4 });
    expect(await web.client.next("SHOOT_PROGRESS")).toMatchObject({ seq: 3 });

    // The sender is still known by its device after waking: its message is from "phone", and it is not echoed to itself.
    phone.client.send({ type: "LIMBIC_UPDATE", id: "l1", data: { warmth: 0.8 } });
    expect(await phone.client.next()).toEqual({ type: "ACCEPTED", id: "l1", seq: 5, ts: expect.any(Number) });
    expect(await web.client.next("LIMBIC_UPDATE")).toMatchObject({ seq: 5, from: "phone" });

    // The ACK cursor survived.
    const me = await api("/api/me", { token: await userToken(user) });
    expect(me.json.devices.find((d: { deviceId: string }) => d.deviceId === "phone")).toMatchObject({ ackedSeq: 1, online: true, platform: "ios" });

    // A client id answered before the eviction is still remembered after it.
    phone.client.send({ type: "ACK", id: "a1", data: { seq: 1 } });
    expect(await phone.client.next()).toEqual({ type: "ACCEPTED", id: "a1" });
    phone.client.close();
    web.client.close();
  });

  it("a device that missed events during the eviction catches up with all of them", async () => {
    const user = uniqueUser();
    const d = await device(user, "tablet");
    d.client.close();
    await d.client.waitClosed();
    await publishDirect(user, "PROMPT_CHANGE", { promptId: "a", action: "created" });
    await evictDurableObject(hubOf(user));
    await publishDirect(user, "PROMPT_CHANGE", { promptId: "b", action: "created" });
    await evictDurableObject(hubOf(user));
    const back = await device(user, "tablet", { since: 0 });
    expect(back.catchUp.filter((f) => f.type === "PROMPT_CHANGE").map((f) => [f.seq, (f.data as { promptId: string }).promptId])).toEqual([[1, "a"], [2, "b"]]);
    expect(back.catchUp.at(-1)).toEqual({ type: "SYNCED", seq: 2 });
    back.client.close();
  });
});
