import { describe, expect, it } from "vitest";
import { runInDurableObject } from "cloudflare:test";
import { api, device, hubOf, publishDirect, serviceToken, uniqueUser, userToken } from "./helpers.js";

describe("rate limits", () => {
  it("refuses messages past RATE_LIMIT_PER_MINUTE (100) with RATE_LIMITED and retryAfterMs, and does not broadcast them", async () => {
    const user = uniqueUser();
    const a = await device(user, "a");
    const b = await device(user, "b");
    a.client.drain();
    for (let i = 0; i < 100; i++) a.client.send({ type: "PING", data: { t: i } });
    for (let i = 0; i < 100; i++) expect((await a.client.next()).type).toBe("PONG");
    a.client.send({ type: "LIMBIC_UPDATE", id: "over", data: { trust: 1 } });
    const refused = await a.client.next();
    expect(refused).toEqual({ type: "ERROR", code: "RATE_LIMITED", message: "more than 100 messages a minute", retryAfterMs: expect.any(Number) });
    expect(refused.retryAfterMs).toBeGreaterThan(0);
    expect(refused.retryAfterMs).toBeLessThanOrEqual(600);
    // Not applied: the log is empty and b got nothing.
    const log = await api("/api/me/events?since=0", { token: await userToken(user) });
    expect(log.json).toMatchObject({ events: [], seq: 0 });
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
    // One write creates the hub and its bucket; then the bucket is emptied as of a moment from now, so
    // the refill (10 tokens a second) cannot race the assertion.
    await publishDirect(user, "PROMPT_CHANGE", { promptId: "p", action: "created" });
    await runInDurableObject(hubOf(user), (_i, state) => {
      state.storage.sql.exec("UPDATE rate_buckets SET tokens = 0, updated_at = ? WHERE name = 'service'", Date.now() + 5000);
    });
    const r = await api("/api/sync/prompt-change", { token: await serviceToken(), body: { userId: user, promptId: "p", action: "updated" } });
    expect(r.status).toBe(429);
    expect(r.headers.get("Retry-After")).toBe("1");
    expect(r.json).toEqual({ error: { code: "RATE_LIMITED", message: "more than 600 service writes a minute for this user" } });
  });
});
