import { describe, expect, it } from "vitest";
import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { api, device, hubOf, publishDirect, serviceToken, uniqueUser, userToken } from "./helpers.js";

describe("rate limits", () => {
  it("allows a full minute's budget (RATE_LIMIT_PER_MINUTE, 100) at once", async () => {
    const user = uniqueUser();
    const a = await device(user, "a");
    a.client.drain();
    for (let i = 0; i < 100; i++) a.client.send({ type: "PING", data: { t: i } });
    for (let i = 0; i < 100; i++) expect(await a.client.next()).toMatchObject({ type: "PONG", t: i });
    a.client.close();
  });

  it("refuses a message when the bucket is empty with RATE_LIMITED and retryAfterMs, and does not apply or broadcast it", async () => {
    const user = uniqueUser();
    const a = await device(user, "a");
    const b = await device(user, "b");
    a.client.drain();
    // Two tokens left (the three frames below arrive within a few ms; a token takes 600 ms to come back).
    await runInDurableObject(hubOf(user), (_i, state) => {
      state.storage.sql.exec("INSERT OR REPLACE INTO rate_buckets (name, tokens, updated_at) VALUES ('client', 2, ?)", Date.now() + 60_000);
    });
    a.client.send({ type: "LIMBIC_UPDATE", id: "1", data: { trust: 0.1 } });
    a.client.send({ type: "LIMBIC_UPDATE", id: "2", data: { trust: 0.2 } });
    a.client.send({ type: "LIMBIC_UPDATE", id: "3", data: { trust: 0.3 } });
    expect(await a.client.next()).toEqual({ type: "ACCEPTED", id: "1", seq: 1, ts: expect.any(Number) });
    expect(await a.client.next()).toEqual({ type: "ACCEPTED", id: "2", seq: 2, ts: expect.any(Number) });
    // The refusal names the message it refuses, so a client can retry exactly that one.
    const refused = await a.client.next();
    expect(refused).toEqual({ type: "ERROR", id: "3", code: "RATE_LIMITED", retryable: true, message: "more than 100 messages a minute", retryAfterMs: expect.any(Number) });
    // One token comes back every 600 ms.
    expect(refused.retryAfterMs).toBeGreaterThan(0);
    expect(refused.retryAfterMs).toBeLessThanOrEqual(600);
    const log = await api("/api/me/events?since=0", { token: await userToken(user) });
    expect(log.json.events.map((e: { data: { trust: number } }) => e.data.trust)).toEqual([0.1, 0.2]);
    expect(await b.client.next("LIMBIC_UPDATE")).toMatchObject({ seq: 1 });
    expect(await b.client.next("LIMBIC_UPDATE")).toMatchObject({ seq: 2 });
    b.client.send({ type: "PING", data: { t: 9 } }); // b shares the user's bucket: refused too, so read what comes
    expect(b.client.drain().filter((f) => f.type === "LIMBIC_UPDATE")).toEqual([]);
    a.client.close();
    b.client.close();
  });

  it("closes with 4008 after too many refused messages (ABUSE_REJECTIONS_PER_MINUTE, 20), leaving the other device connected", async () => {
    const user = uniqueUser();
    const abuser = await device(user, "abuser");
    const other = await device(user, "other");
    for (let i = 0; i < 21; i++) abuser.client.send("{not json");
    expect(await abuser.client.waitClosed()).toEqual({ code: 4008, reason: "too many refused messages" });
    expect(abuser.client.drain().filter((f) => f.type === "ERROR").length).toBe(21);
    other.client.send({ type: "PING", data: { t: 1 } });
    expect((await other.client.next("PONG")).t).toBe(1);
    other.client.close();
  });

  it("limits service writes per user (SERVICE_RATE_LIMIT_PER_MINUTE) with 429 and Retry-After", async () => {
    const user = uniqueUser();
    // One write creates the hub; then its stored bucket is emptied as of a minute from now (no
    // refill, 10 tokens a second, before the first take after it, however slow the machine) and the
    // hub evicted, so that it reads the bucket again when it wakes.
    await publishDirect(user, "PROMPT_CHANGE", { promptId: "p", action: "created" });
    await runInDurableObject(hubOf(user), (_i, state) => {
      state.storage.sql.exec("INSERT OR REPLACE INTO rate_buckets (name, tokens, updated_at) VALUES ('service', 0, ?)", Date.now() + 60_000);
    });
    await evictDurableObject(hubOf(user));
    const r = await api("/api/sync/prompt-change", { token: await serviceToken(), body: { userId: user, promptId: "p", action: "updated" } });
    expect(r.status).toBe(429);
    expect(r.headers.get("Retry-After")).toBe("1");
    expect(r.json).toEqual({ error: { code: "RATE_LIMITED", retryable: true, message: "more than 600 service writes a minute for this user" } });
  });

  it("keeps a bucket across an eviction, to within a tenth of the allowance: an eviction does not refill it", async () => {
    const user = uniqueUser();
    const a = await device(user, "a");
    a.client.drain();
    const t0 = Date.now();
    for (let i = 0; i < 95; i++) a.client.send({ type: "PING", data: { t: i } });
    for (let i = 0; i < 95; i++) expect(await a.client.next()).toMatchObject({ type: "PONG", t: i });
    const refilled = (Date.now() - t0) / 600; // a token a 600 ms: a slow machine refills more
    a.client.close();
    await evictDurableObject(hubOf(user));
    // Written at the 90th take (a tenth is 10): 10 left then, plus what refilled while the 90 arrived.
    const stored = await runInDurableObject(hubOf(user), (_i, state) =>
      state.storage.sql.exec<{ tokens: number }>("SELECT tokens FROM rate_buckets WHERE name = 'client'").toArray()[0]?.tokens);
    expect(stored).toBeGreaterThanOrEqual(10);
    expect(stored).toBeLessThan(10 + refilled + 1);
  });
});
