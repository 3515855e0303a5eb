/** docs/protocol.md 13: every HTTP route and its answer, checked against protocol/'s answer schemas. */
import {
  BatchAnswer, DreamAnswer, EraseAnswer, EventsPageAnswer, FanoutAnswer, MeSnapshot, PublishAnswer, StatusAnswer, UserSnapshot,
} from "../../protocol/contract-schemas.js";
import { MetricsAnswer } from "../../protocol/index.js";
import { equal, has, httpError, matches, ok } from "../expect.js";
import type { Report } from "../report.js";
import type { Target } from "../target.js";

const shoot = (userId: string, n: number, total = 100) => ({ userId, shootId: "s1", status: n >= total ? "completed" : "processing", processedCount: n, totalCount: total });

export async function httpRoutes(t: Target, r: Report): Promise<void> {
  r.section("HTTP routes (13)");
  const svc = await t.serviceToken();
  const user = t.user("http");

  await r.check("GET /api/sync/status answers 200 {ok, version, time} without a token", async () => {
    const res = await t.http("/api/sync/status");
    equal(res.status, 200, "status");
    matches(StatusAnswer, res.json, "the answer");
  });

  await r.check("GET /api/openapi.json serves OpenAPI 3.1 without a token", async () => {
    const res = await t.http("/api/openapi.json");
    equal(res.status, 200, "status");
    equal(res.json?.openapi, "3.1.0", "openapi");
  });

  await r.check("POST /api/sync/shoot-progress: 202 {seq, delivered}; an Idempotency-Key repeat is duplicate: true with the first seq; the key with another body is 422", async () => {
    const first = await t.http("/api/sync/shoot-progress", { token: svc, body: shoot(user, 10), headers: { "Idempotency-Key": "conf-k1" } });
    equal(first.status, 202, "status");
    matches(PublishAnswer, first.json, "the answer");
    const again = await t.http("/api/sync/shoot-progress", { token: svc, body: shoot(user, 10), headers: { "Idempotency-Key": "conf-k1" } });
    equal(again.status, 202, "repeat status");
    has(again.json, { seq: first.json.seq, duplicate: true }, "the repeat");
    httpError(await t.http("/api/sync/shoot-progress", { token: svc, body: shoot(user, 11), headers: { "Idempotency-Key": "conf-k1" } }), "IDEMPOTENCY_KEY_REUSED", "the key reused");
  });

  await r.check("POST /api/sync/credit-update: 202 {seq, delivered}", async () => {
    const res = await t.http("/api/sync/credit-update", { token: svc, body: { userId: user, newBalance: 100, change: 100, reason: "conformance" } });
    equal(res.status, 202, "status");
    matches(PublishAnswer, res.json, "the answer");
  });

  await r.check("POST /api/sync/prompt-change: 202 for one user (userId) and per-user results for many (userIds)", async () => {
    const one = await t.http("/api/sync/prompt-change", { token: svc, body: { userId: user, promptId: "p1", action: "created", title: "Golden hour" } });
    equal(one.status, 202, "status (userId)");
    matches(PublishAnswer, one.json, "the answer (userId)");
    const other = t.user("fanout");
    const many = await t.http("/api/sync/prompt-change", { token: svc, body: { userIds: [user, other], promptId: "p2", action: "created" } });
    equal(many.status, 202, "status (userIds)");
    matches(FanoutAnswer, many.json, "the answer (userIds)");
    equal(many.json.results.map((x: { userId: string }) => x.userId), [user, other], "one result per user, in order");
    equal(many.json.results[1].seq, 1, "the other user's first seq");
  });

  await r.check("POST /api/sync/state: 202 {seq, seqs, delivered}, one event per part", async () => {
    const res = await t.http("/api/sync/state", { token: svc, body: { userId: user, limbic: { trust: 0.7 }, posture: { posture: "copilot", reason: "focused work" } } });
    equal(res.status, 202, "status");
    matches(PublishAnswer, res.json, "the answer");
    equal(res.json.seqs.length, 2, "seqs");
    equal(res.json.seq, res.json.seqs[1], "seq is the last of seqs");
  });

  await r.check("POST /api/sync/batch: one result per item in order; a bad item is refused alone (INVALID_BODY with issues)", async () => {
    const res = await t.http("/api/sync/batch", {
      token: svc,
      body: { events: [
        { userId: user, type: "CREDIT_UPDATE", data: { newBalance: 90, change: -10, reason: "batch" }, idempotencyKey: "conf-b1" },
        { userId: user, type: "LIMBIC_UPDATE", data: { trust: 2 } },
        { userId: user, type: "PROMPT_CHANGE", data: { promptId: "p3", action: "deleted" } },
      ] },
    });
    equal(res.status, 202, "status");
    matches(BatchAnswer, res.json, "the answer");
    const [a, b, c] = res.json.results;
    ok(typeof a.seq === "number" && typeof c.seq === "number" && c.seq === a.seq + 1, `the good items applied in order: ${JSON.stringify(res.json.results)}`);
    has(b, { userId: user, error: { code: "INVALID_BODY", retryable: false } }, "the bad item");
    ok(Array.isArray(b.error.issues) && b.error.issues.length > 0, "the bad item's issues");
  });

  await r.check("GET /api/sync/users/:userId: 200 {seq, epoch, state, versions, devices}", async () => {
    const res = await t.http(`/api/sync/users/${user}`, { token: svc });
    equal(res.status, 200, "status");
    matches(UserSnapshot, res.json, "the answer");
    has(res.json.state, { credits: { newBalance: 90 } }, "state");
  });

  await r.check("GET /api/sync/users/:userId/metrics (v1.2): 200 with the hub's counters (sync:read); 403 without sync:read", async () => {
    const res = await t.http(`/api/sync/users/${user}/metrics`, { token: svc });
    equal(res.status, 200, "status");
    matches(MetricsAnswer, res.json, "the answer");
    equal(res.json.userId, user, "userId");
    ok(res.json.events.in >= 1, `events.in counts the writes above: ${JSON.stringify(res.json.events)}`);
    httpError(await t.http(`/api/sync/users/${user}/metrics`, { token: await t.serviceToken({ scope: "sync:publish" }) }), "FORBIDDEN", "sync:publish only");
  });

  await r.check("X-Request-Id (v1.2): every HTTP answer names its request, errors too", async () => {
    for (const res of [await t.http("/api/sync/status"), await t.http("/api/me"), await t.http(`/api/sync/users/${user}`, { token: svc })]) {
      ok((res.headers.get("x-request-id") ?? "").length > 0, `no X-Request-Id on a ${res.status}`);
    }
  });

  await r.check("GET /api/me: 200 with the signed-in user's state; /api/me/events pages the raw log; limit outside 1-500 is 400; another epoch is reset: true", async () => {
    const token = await t.userToken(user);
    const me = await t.http("/api/me", { token });
    equal(me.status, 200, "status");
    matches(MeSnapshot, me.json, "GET /api/me");
    equal(me.json.userId, user, "userId");
    const page = await t.http("/api/me/events?since=0&limit=2", { token });
    equal(page.status, 200, "events status");
    matches(EventsPageAnswer, page.json, "GET /api/me/events");
    equal(page.json.events.map((e: { seq: number }) => e.seq), [1, 2], "the first page");
    equal(page.json.hasMore, true, "hasMore");
    httpError(await t.http("/api/me/events?limit=0", { token }), "INVALID_BODY", "limit=0");
    const other = await t.http(`/api/me/events?since=1&epoch=not-this-epoch`, { token });
    has(other.json, { events: [], reset: true, epoch: me.json.epoch }, "another epoch");
  });

  await r.check("POST /api/sync/dream: 202 {cycleId, seq}; POST /api/sync/dream-result for a cycle not waiting is 409 CONFLICT", async () => {
    const res = await t.http("/api/sync/dream", { token: svc, body: { userId: user, windowHours: 1 } });
    equal(res.status, 202, "status");
    matches(DreamAnswer, res.json, "the answer");
    httpError(await t.http("/api/sync/dream-result", { token: svc, body: { userId: user, cycleId: "dc-unknown", insights: [] } }), "CONFLICT", "dream-result");
  });

  await r.check("DELETE /api/sync/users/:userId/state/:key: 200 {seq, delivered}, then 404 NOT_FOUND; the hub's own key (dreams) is 400", async () => {
    const res = await t.http(`/api/sync/users/${user}/state/credits`, { method: "DELETE", token: svc });
    equal(res.status, 200, "status");
    matches(PublishAnswer, res.json, "the answer");
    httpError(await t.http(`/api/sync/users/${user}/state/credits`, { method: "DELETE", token: svc }), "NOT_FOUND", "the key again");
    httpError(await t.http(`/api/sync/users/${user}/state/dreams`, { method: "DELETE", token: svc }), "INVALID_BODY", "dreams");
  });

  await r.check("DELETE /api/sync/users/:userId: 200 {epoch}, a new epoch; the log starts again", async () => {
    const before = (await t.http(`/api/sync/users/${user}`, { token: svc })).json.epoch;
    const res = await t.http(`/api/sync/users/${user}`, { method: "DELETE", token: svc });
    equal(res.status, 200, "status");
    matches(EraseAnswer, res.json, "the answer");
    ok(res.json.epoch !== before, "the epoch changed");
    const after = await t.http(`/api/sync/users/${user}`, { token: svc });
    has(after.json, { seq: 0, epoch: res.json.epoch, state: {} }, "the erased user");
  });
}
