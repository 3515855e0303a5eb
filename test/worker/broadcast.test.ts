import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import { deliveryKey, type BroadcastMessage } from "../../common/broadcast.js";
import { BroadcastAccepted, BroadcastStatus } from "../../protocol/index.js";
import { api, device, hubOf, serviceToken, uniqueUser, userToken } from "./helpers.js";

const prompt = { promptId: "p-announce", action: "created", title: "New prompts are here" };

async function statusOf(id: string, token: string): Promise<BroadcastStatus> {
  const res = await api(`/api/sync/broadcasts/${id}`, { token });
  expect(res.status).toBe(200);
  return res.json as BroadcastStatus;
}

/** Polls the broadcast until `done(status)` holds; never a fixed sleep. */
async function until(id: string, token: string, done: (s: BroadcastStatus) => boolean, timeout = 20_000): Promise<BroadcastStatus> {
  return vi.waitUntil(async () => {
    const s = await statusOf(id, token);
    return done(s) ? s : undefined;
  }, { timeout, interval: 100 });
}

describe("POST /api/sync/broadcast", () => {
  it("queues one event for many users, each user's hub applies it once and live devices get it", async () => {
    const token = await serviceToken();
    const users = Array.from({ length: 5 }, () => uniqueUser("bc"));
    const phone = await device(users[0]!, "phone");
    const res = await api("/api/sync/broadcast", { token, body: { userIds: [...users, users[1]], type: "PROMPT_CHANGE", data: prompt, segment: "plan.pro" } });
    expect(res.status).toBe(202);
    expect(res.json).toEqual({ broadcastId: expect.stringMatching(/^b-[0-9a-f-]{36}$/), total: 5, batches: 1 });
    expect(BroadcastAccepted.safeParse(res.json).success).toBe(true);
    const live = await phone.client.next();
    expect([live.type, live.seq, live.from, live.data]).toEqual(["PROMPT_CHANGE", 1, "test-service", prompt]);
    const s = await until(res.json.broadcastId, token, (x) => x.state === "done");
    expect(BroadcastStatus.safeParse(s).success).toBe(true);
    expect(s).toMatchObject({ type: "PROMPT_CHANGE", segment: "plan.pro", total: 5, applied: 5, failed: 0, retrying: 0, pending: 0, duplicates: 0, hubCalls: 5, devicesReached: 1, failures: [] });
    for (const u of users) {
      const snap = await api(`/api/sync/users/${u}`, { token });
      expect(snap.json.seq).toBe(1);
    }
    phone.client.close();
  });

  it("a redelivered queue message applies nothing twice: the hubs answer with the first result, the ledger counts once", async () => {
    const token = await serviceToken();
    const users = [uniqueUser("re"), uniqueUser("re")];
    const res = await api("/api/sync/broadcast", { token, body: { userIds: users, type: "CREDIT_UPDATE", data: { newBalance: 5, change: 5, reason: "gift" } } });
    const id = res.json.broadcastId as string;
    await until(id, token, (x) => x.state === "done");
    // The same message again, as the queue would redeliver it after a lost acknowledgement.
    const fingerprint = await runInDurableObject(hubOf(users[0]!), (_h, state) =>
      state.storage.sql.exec<{ fingerprint: string }>("SELECT fingerprint FROM service_keys WHERE key = ?", deliveryKey(id, users[0]!)).one().fingerprint);
    const again: BroadcastMessage = {
      v: 1, broadcastId: id, batch: 0, attempt: 0, from: "test-service", type: "CREDIT_UPDATE",
      data: { newBalance: 5, change: 5, reason: "gift" }, fingerprint, enqueuedAt: Date.now(), userIds: users,
    };
    await env.BROADCAST_QUEUE!.send(again, { contentType: "json" });
    const s = await until(id, token, (x) => x.duplicates === 2);
    expect(s).toMatchObject({ state: "done", total: 2, applied: 2, failed: 0, hubCalls: 4 });
    for (const u of users) expect((await api(`/api/sync/users/${u}`, { token })).json.seq).toBe(1);
  });

  it("retries a rate-limited user with a delayed message of its own, then counts it applied", async () => {
    const token = await serviceToken();
    const [busy, calm] = [uniqueUser("busy"), uniqueUser("calm")];
    // The busy user's service bucket is 2 s from its next token: its first delivery is RATE_LIMITED (retryable).
    await runInDurableObject(hubOf(busy), (_h, state) => {
      state.storage.sql.exec("INSERT OR REPLACE INTO rate_buckets (name, tokens, updated_at) VALUES ('service', -20, ?)", Date.now());
    });
    const res = await api("/api/sync/broadcast", { token, body: { userIds: [busy, calm], type: "PROMPT_CHANGE", data: prompt } });
    const id = res.json.broadcastId as string;
    const waiting = await until(id, token, (x) => x.applied === 1);
    expect(waiting).toMatchObject({ state: "delivering", applied: 1, retrying: 1, pending: 1 });
    const s = await until(id, token, (x) => x.state === "done", 30_000);
    expect(s).toMatchObject({ applied: 2, failed: 0, retrying: 0, hubCalls: 3 });
  }, 40_000);

  it("refuses bad input with the single-publish checks and changes nothing", async () => {
    const token = await serviceToken();
    const u = uniqueUser("bad");
    const unknownType = await api("/api/sync/broadcast", { token, body: { userIds: [u], type: "DREAM_STARTED", data: {} } });
    expect(unknownType.status).toBe(400);
    expect(unknownType.json.error.code).toBe("INVALID_BODY");
    const badData = await api("/api/sync/broadcast", { token, body: { userIds: [u], type: "CREDIT_UPDATE", data: { newBalance: "x" } } });
    expect(badData.status).toBe(400);
    expect(badData.json.error.issues.map((i: { path: string }) => i.path)).toContain("data.newBalance");
    const noUsers = await api("/api/sync/broadcast", { token, body: { userIds: [], type: "PROMPT_CHANGE", data: prompt } });
    expect(noUsers.status).toBe(400);
    const badId = await api("/api/sync/broadcast", { token, body: { userIds: ["not ok"], type: "PROMPT_CHANGE", data: prompt } });
    expect(badId.status).toBe(400);
    // Valid data, but over the 32,768 bytes a broadcast carries in every queue message.
    const answers = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`q${i}`, "x".repeat(4000)]));
    const huge = await api("/api/sync/broadcast", { token, body: { userIds: [u], type: "CONVERGENCE_UPDATE", data: { answers } } });
    expect(huge.status).toBe(413);
    expect(huge.json.error.code).toBe("TOO_LARGE");
    const tooMany = await api("/api/sync/broadcast", { token, body: { userIds: Array.from({ length: 100_001 }, (_, i) => `u${i}`), type: "PROMPT_CHANGE", data: prompt } });
    expect(tooMany.status).toBe(400);
    expect(tooMany.json.error.issues.map((i: { path: string }) => i.path)).toContain("userIds");
    const asUser = await api("/api/sync/broadcast", { token: await userToken(u), body: { userIds: [u], type: "PROMPT_CHANGE", data: prompt } });
    expect(asUser.status).toBe(403);
    const readOnly = await api("/api/sync/broadcast", { token: await serviceToken("sync:read"), body: { userIds: [u], type: "PROMPT_CHANGE", data: prompt } });
    expect(readOnly.status).toBe(403);
    expect((await api(`/api/sync/users/${u}`, { token })).json.seq).toBe(0);
  });

  it("an Idempotency-Key makes a retry the same broadcast; the key with another body is refused", async () => {
    const token = await serviceToken();
    const users = [uniqueUser("ik"), uniqueUser("ik")];
    const key = `announce-${uniqueUser("k")}`;
    const first = await api("/api/sync/broadcast", { token, headers: { "Idempotency-Key": key }, body: { userIds: users, type: "PROMPT_CHANGE", data: prompt } });
    expect(first.status).toBe(202);
    expect(first.json.broadcastId).toMatch(/^b-[0-9a-f]{32}$/);
    await until(first.json.broadcastId, token, (x) => x.state === "done");
    const again = await api("/api/sync/broadcast", { token, headers: { "Idempotency-Key": key }, body: { userIds: users, type: "PROMPT_CHANGE", data: prompt } });
    expect(again.json).toEqual({ ...first.json, duplicate: true });
    const other = await api("/api/sync/broadcast", { token, headers: { "Idempotency-Key": key }, body: { userIds: users, type: "PROMPT_CHANGE", data: { ...prompt, promptId: "other" } } });
    expect(other.status).toBe(422);
    expect(other.json.error.code).toBe("IDEMPOTENCY_KEY_REUSED");
    for (const u of users) expect((await api(`/api/sync/users/${u}`, { token })).json.seq).toBe(1);
  });
});

describe("GET /api/sync/broadcasts/:id", () => {
  it("answers 404 for an unknown id and for another service's broadcast", async () => {
    const token = await serviceToken();
    expect((await api("/api/sync/broadcasts/b-00000000000000000000000000000000", { token })).status).toBe(404);
    expect((await api("/api/sync/broadcasts/nonsense", { token })).json.error.code).toBe("NOT_FOUND");
    const res = await api("/api/sync/broadcast", { token, body: { userIds: [uniqueUser("own")], type: "PROMPT_CHANGE", data: prompt } });
    const other = await serviceToken("sync:publish sync:read", "other-service");
    expect((await api(`/api/sync/broadcasts/${res.json.broadcastId}`, { token: other })).status).toBe(404);
    expect((await api(`/api/sync/broadcasts/${res.json.broadcastId}`, { token: await userToken("u1") })).status).toBe(403);
  });
});
