import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { api, device, serviceToken, shoot, uniqueUser, userToken } from "./helpers.js";

describe("HTTP API", () => {
  it("GET /api/sync/status needs no token", async () => {
    const r = await api("/api/sync/status");
    expect(r).toMatchObject({ status: 200, json: { ok: true, version: "0.1.0", time: expect.any(Number) } });
  });

  it("401 without a token, 401 for a bad one, with stable codes", async () => {
    expect(await api("/api/me")).toMatchObject({ status: 401, json: { error: { code: "UNAUTHORIZED", retryable: false, message: "missing Authorization: Bearer <token>" } } });
    expect(await api("/api/me", { token: "nope" })).toMatchObject({ status: 401, json: { error: { code: "TOKEN_INVALID" } } });
    expect(await api("/api/sync/users/x", { token: await userToken("x", { ttl: -5 }) })).toMatchObject({ status: 401, json: { error: { code: "TOKEN_INVALID", retryable: false, message: "token expired" } } });
  });

  it("keeps token kinds apart and checks scopes (403), and the refused request reaches no hub", async () => {
    const user = uniqueUser();
    const body = shoot(user, "s", 1, 2);
    expect(await api("/api/sync/shoot-progress", { token: await userToken(user), body })).toMatchObject({ status: 403, json: { error: { code: "FORBIDDEN", retryable: false, message: "this endpoint takes a service token; user tokens are not accepted" } } });
    expect(await api("/api/me", { token: await serviceToken() })).toMatchObject({ status: 403, json: { error: { code: "FORBIDDEN" } } });
    expect(await api("/api/sync/shoot-progress", { token: await serviceToken("sync:read"), body })).toMatchObject({ status: 403, json: { error: { code: "FORBIDDEN", retryable: false, message: "the token lacks the sync:publish scope" } } });
    expect(await api(`/api/sync/users/${user}`, { token: await serviceToken("sync:publish") })).toMatchObject({ status: 403, json: { error: { message: "the token lacks the sync:read scope" } } });
    // None of it was published.
    expect((await api("/api/me/events?since=0", { token: await userToken(user) })).json.events).toEqual([]);
  });

  it("415 for a body that is not JSON, 400 BAD_JSON for broken JSON, 400 INVALID_BODY with issues", async () => {
    const token = await serviceToken();
    expect(await api("/api/sync/credit-update", { token, body: "newBalance=1", headers: { "Content-Type": "text/plain" } }))
      .toMatchObject({ status: 415, json: { error: { code: "UNSUPPORTED_MEDIA_TYPE" } } });
    expect(await api("/api/sync/credit-update", { token, body: "{broken" })).toMatchObject({ status: 400, json: { error: { code: "BAD_JSON", retryable: false, message: "the body is not valid JSON" } } });
    expect(await api("/api/sync/credit-update", { token, body: { userId: "bad user", newBalance: "ten", change: 1, reason: "" } })).toEqual({
      status: 400, headers: expect.anything(),
      json: { error: { code: "INVALID_BODY", retryable: false, message: "the body is invalid", issues: [
        { path: "newBalance", message: "Invalid input: expected number, received string" },
        { path: "reason", message: "Too small: expected string to have >=1 characters" },
        { path: "userId", message: "must be 1-128 characters of [A-Za-z0-9._:@-]" },
      ] } },
    });
  });

  it("413 above MAX_BODY_BYTES, declared or not", async () => {
    const token = await serviceToken();
    const big = JSON.stringify({ userId: "u", promptId: "p", action: "created", title: "x".repeat(300_000) });
    expect(await api("/api/sync/prompt-change", { token, body: big })).toMatchObject({ status: 413, json: { error: { code: "TOO_LARGE", retryable: false, message: "the body is larger than 262144 bytes" } } });
    // A streamed body without Content-Length is cut off as it passes the limit.
    const stream = new ReadableStream({
      start(controller) {
        for (let i = 0; i < 40; i++) controller.enqueue(new TextEncoder().encode("x".repeat(10_000)));
        controller.close();
      },
    });
    const res = await SELF.fetch("https://nerve.test/api/sync/prompt-change", { method: "POST", headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" }, body: stream });
    expect(res.status).toBe(413);
  });

  it("404 with a JSON error for an unknown route", async () => {
    expect(await api("/api/nothing")).toMatchObject({ status: 404, json: { error: { code: "NOT_FOUND", retryable: false, message: "no route for GET /api/nothing" } } });
  });

  it("GET /api/sync/users/:userId and GET /api/me return seq, state and devices", async () => {
    const user = uniqueUser();
    const d = await device(user, "phone", { platform: "android", name: "Pixel" });
    await api("/api/sync/shoot-progress", { token: await serviceToken(), body: shoot(user, "wedding", 40, 80, { provider: "anthropic" }) });
    const expected = {
      seq: 1,
      epoch: d.catchUp[0]!.epoch,
      state: { "shoots.wedding": { shootId: "wedding", status: "processing", processedCount: 40, totalCount: 80, provider: "anthropic", updatedAt: expect.any(Number) } },
      versions: { "shoots.wedding": 1 },
      devices: [{ deviceId: "phone", platform: "android", name: "Pixel", online: true, connections: 1, lastSeen: expect.any(Number), ackedSeq: 0, lastHeard: expect.any(Number) }],
    };
    expect((await api(`/api/sync/users/${user}`, { token: await serviceToken("sync:read") })).json).toEqual(expected);
    expect((await api("/api/me", { token: await userToken(user) })).json).toEqual({ userId: user, ...expected });
    expect((await api("/api/sync/users/not%20valid", { token: await serviceToken() })).status).toBe(400);
    d.client.close();
  });

  it("GET /api/me/events pages through the log", async () => {
    const user = uniqueUser();
    const token = await serviceToken();
    for (let i = 1; i <= 5; i++) await api("/api/sync/prompt-change", { token, body: { userId: user, promptId: `p${i}`, action: "created" } });
    const ut = await userToken(user);
    const first = await api("/api/me/events?since=0&limit=2", { token: ut });
    expect(first.json).toMatchObject({ seq: 5, reset: false, hasMore: true });
    expect(first.json.events[0]).toEqual({ type: "PROMPT_CHANGE", seq: 1, ts: expect.any(Number), from: "test-service", data: { promptId: "p1", action: "created" } });
    const last = await api("/api/me/events?since=4&limit=2", { token: ut });
    expect(last.json).toMatchObject({ seq: 5, reset: false, hasMore: false });
    expect(last.json.events.map((e: { seq: number }) => e.seq)).toEqual([5]);
    expect(await api("/api/me/events?since=abc", { token: ut })).toMatchObject({ status: 400, json: { error: { code: "INVALID_BODY", issues: [{ path: "since" }] } } });
  });

  it("prompt-change fans out to many users concurrently, one result per user", async () => {
    const users = Array.from({ length: 30 }, () => uniqueUser("fan"));
    const watcher = await device(users[7]!, "w");
    watcher.client.drain();
    const r = await api("/api/sync/prompt-change", { token: await serviceToken(), body: { userIds: [...users, users[0]], promptId: "launch", action: "created", title: "New pack" } });
    expect(r.status).toBe(202);
    expect(r.json.results).toHaveLength(30);
    expect(r.json.results.map((x: { userId: string }) => x.userId)).toEqual(users);
    expect(r.json.results.every((x: { seq: number }) => x.seq === 1)).toBe(true);
    expect(r.json.results[7]).toEqual({ userId: users[7], seq: 1, delivered: 1 });
    expect(await watcher.client.next("PROMPT_CHANGE")).toMatchObject({ seq: 1, data: { promptId: "launch", title: "New pack" } });
    watcher.client.close();
  });

  it("prompt-change refuses both or neither of userId and userIds, and more than 1000 users", async () => {
    const token = await serviceToken();
    expect((await api("/api/sync/prompt-change", { token, body: { promptId: "p", action: "created" } })).json.error.issues).toEqual([{ path: "userIds", message: "give exactly one of userId and userIds" }]);
    expect((await api("/api/sync/prompt-change", { token, body: { userId: "a", userIds: ["b"], promptId: "p", action: "created" } })).status).toBe(400);
    const many = Array.from({ length: 1001 }, (_, i) => `u${i}`);
    expect((await api("/api/sync/prompt-change", { token, body: { userIds: many, promptId: "p", action: "created" } })).json.error.issues).toEqual([{ path: "userIds", message: "Too big: expected array to have <=1000 items" }]);
  });

  it("POST /api/sync/state writes one event per key and answers the last seq", async () => {
    const user = uniqueUser();
    const d = await device(user, "d");
    const r = await api("/api/sync/state", { token: await serviceToken(), body: { userId: user, limbic: { warmth: 0.9 }, posture: { posture: "expert", confidence: 0.8 } } });
    expect(r).toMatchObject({ status: 202, json: { seq: 2, seqs: [1, 2], delivered: 1 } });
    expect(await d.client.next("LIMBIC_UPDATE")).toMatchObject({ seq: 1, data: { warmth: 0.9 } });
    expect(await d.client.next("POSTURE_CHANGE")).toMatchObject({ seq: 2, data: { posture: "expert", confidence: 0.8 } });
    d.client.close();
  });
});
