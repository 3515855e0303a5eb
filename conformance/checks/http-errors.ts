/** docs/protocol.md 13 and 12: every HTTP error status and code, with its retryable flag. */
import { equal, has, httpError, ok } from "../expect.js";
import type { Report } from "../report.js";
import type { Target } from "../target.js";

export async function httpErrors(t: Target, r: Report): Promise<void> {
  r.section("HTTP errors (13, 12)");
  const svc = await t.serviceToken();
  const user = t.user("http-err");
  const credit = { userId: user, newBalance: 1, change: 1, reason: "x" };

  await r.check("401 UNAUTHORIZED without Authorization; 401 TOKEN_INVALID for a bad, an expired, a too-long-lived and a future token", async () => {
    httpError(await t.http(`/api/sync/users/${user}`), "UNAUTHORIZED", "no header");
    httpError(await t.http(`/api/sync/users/${user}`, { token: "not.a.jwt" }), "TOKEN_INVALID", "garbage");
    httpError(await t.http("/api/me", { token: await t.userToken(user, { ttl: -60 }) }), "TOKEN_INVALID", "expired");
    httpError(await t.http("/api/me", { token: await t.userToken(user, { ttl: 30 * 86400 }) }), "TOKEN_INVALID", "30-day token");
    httpError(await t.http("/api/me", { token: await t.userToken(user, { iatShift: 3600, ttl: 7200 }) }), "TOKEN_INVALID", "iat in the future");
  });

  await r.check("403 FORBIDDEN: a user token on /api/sync/*, a service token on /api/me, a write without sync:publish", async () => {
    httpError(await t.http(`/api/sync/users/${user}`, { token: await t.userToken(user) }), "FORBIDDEN", "user token");
    httpError(await t.http("/api/me", { token: svc }), "FORBIDDEN", "service token");
    httpError(await t.http("/api/sync/credit-update", { token: await t.serviceToken({ scope: "sync:read" }), body: credit }), "FORBIDDEN", "sync:read only");
  });

  await r.check("400 INVALID_BODY with issues [{path, message}]; 400 BAD_JSON", async () => {
    const res = await t.http("/api/sync/shoot-progress", { token: svc, body: { userId: user, shootId: "s1", status: "nope" } });
    httpError(res, "INVALID_BODY", "a bad body");
    ok(Array.isArray(res.json.error.issues) && res.json.error.issues.every((i: unknown) => typeof (i as { path?: unknown }).path === "string"), `issues: ${res.text}`);
    httpError(await t.http("/api/sync/credit-update", { token: svc, body: "{oops" }), "BAD_JSON", "not JSON");
  });

  await r.check("415 UNSUPPORTED_MEDIA_TYPE; 413 TOO_LARGE (a 300 KB body)", async () => {
    httpError(await t.http("/api/sync/credit-update", { token: svc, body: JSON.stringify(credit), headers: { "Content-Type": "text/plain" } }), "UNSUPPORTED_MEDIA_TYPE", "text/plain");
    httpError(await t.http("/api/sync/credit-update", { token: svc, body: { ...credit, reason: "x".repeat(300_000) } }), "TOO_LARGE", "300 KB");
  });

  await r.check("404 NOT_FOUND for an unknown route; 426 UPGRADE_REQUIRED for a plain GET /ws", async () => {
    httpError(await t.http("/api/nope"), "NOT_FOUND", "/api/nope");
    httpError(await t.http("/ws"), "UPGRADE_REQUIRED", "GET /ws");
  });

  await r.check("409 STATE_TOO_LARGE: convergence answers past MAX_ANSWERS; nothing changes", async () => {
    const u = t.user("answers");
    const answers = Object.fromEntries(Array.from({ length: 201 }, (_, i) => [`q${i}`, "a"]));
    const res = await t.http("/api/sync/state", { token: svc, body: { userId: u, convergence: { answers } } });
    httpError(res, "STATE_TOO_LARGE", "201 answers (assumes MAX_ANSWERS <= 200)");
    equal((await t.http(`/api/sync/users/${u}`, { token: svc })).json.seq, 0, "nothing written");
  });

  await r.check("429 RATE_LIMITED with Retry-After past the service rate; batch items past it are RATE_LIMITED with retryAfterMs", async () => {
    const u = t.user("svc-rate");
    const events = Array.from({ length: 1000 }, (_, i) => ({ userId: u, type: "PROMPT_CHANGE", data: { promptId: `p${i}`, action: "created" } }));
    const batch = await t.http("/api/sync/batch", { token: svc, body: { events } });
    equal(batch.status, 202, "batch status");
    const limited = batch.json.results.filter((x: { error?: { code: string } }) => x.error?.code === "RATE_LIMITED");
    ok(limited.length > 0, "no item was RATE_LIMITED (assumes SERVICE_RATE_LIMIT_PER_MINUTE < 1000)");
    has(limited[0], { error: { retryable: true } }, "a limited item");
    ok(typeof limited[0].error.retryAfterMs === "number", "retryAfterMs");
    // The bucket refills continuously: a burst right after the batch meets it empty.
    const burst = await Promise.all(Array.from({ length: 30 }, () => t.http("/api/sync/credit-update", { token: svc, body: { ...credit, userId: u } })));
    const res = burst.find((b) => b.status !== 202) ?? burst[0]!;
    httpError(res, "RATE_LIMITED", "a write in a burst after it");
    ok(Number(res.headers.get("retry-after")) > 0, `Retry-After: ${res.headers.get("retry-after")}`);
  });

  await r.check("409 TOO_MANY_SHOOTS (retryable): a new shoot while MAX_SHOOTS unfinished shoots exist", async () => {
    const u = t.user("shoots");
    const events = Array.from({ length: 500 }, (_, i) => ({ userId: u, type: "SHOOT_PROGRESS", data: { shootId: `s${i}`, status: "processing", processedCount: 0, totalCount: 10 } }));
    const batch = await t.http("/api/sync/batch", { token: svc, body: { events } });
    equal(batch.status, 202, "batch status");
    ok(batch.json.results.every((x: { seq?: number }) => typeof x.seq === "number"), "500 shoots written");
    const res = await t.http("/api/sync/shoot-progress", { token: svc, body: { userId: u, shootId: "one-more", status: "queued", processedCount: 0, totalCount: 1 } });
    httpError(res, "TOO_MANY_SHOOTS", "shoot 501 (assumes MAX_SHOOTS = 500)");
  }, 60_000);

  await r.check("429 QUEUE_FULL (retryable) when dream cycles wait", async () => {
    const u = t.user("dreamq");
    const answers = await Promise.all(Array.from({ length: 12 }, () => t.http("/api/sync/dream", { token: svc, body: { userId: u, windowHours: 1 } })));
    const full = answers.find((a) => a.status !== 202);
    ok(full, "12 dream cycles at once were all accepted: none waited (cycles finished faster than they came)");
    httpError(full!, "QUEUE_FULL", "the cycle past the queue");
  });

  r.skip("500 INTERNAL", "a server fault cannot be provoked from outside; its shape is the error body above and retryable: true");
}
