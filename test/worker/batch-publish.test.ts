import { describe, expect, it } from "vitest";
import { api, device, serviceToken, uniqueUser, userToken } from "./helpers.js";

const credit = (userId: string, newBalance: number, extra: Record<string, unknown> = {}) =>
  ({ userId, type: "CREDIT_UPDATE", data: { newBalance, change: 1, reason: "batch" }, ...extra });
const prompt = (userId: string, promptId: string, extra: Record<string, unknown> = {}) =>
  ({ userId, type: "PROMPT_CHANGE", data: { promptId, action: "created" }, ...extra });

describe("POST /api/sync/batch", () => {
  it("applies mixed users and types in order, one result per item, and devices get each event live", async () => {
    const [a, b] = [uniqueUser("a"), uniqueUser("b")];
    const token = await serviceToken();
    const phone = await device(a, "phone");
    const res = await api("/api/sync/batch", {
      token,
      body: {
        events: [
          credit(a, 10),
          prompt(b, "p1"),
          { userId: a, type: "SHOOT_PROGRESS", data: { shootId: "s1", status: "processing", processedCount: 1, totalCount: 4 } },
          { userId: a, type: "LIMBIC_UPDATE", data: { trust: 0.8 } },
          { userId: b, type: "POSTURE_CHANGE", data: { posture: "peer" } },
          { userId: a, type: "CONVERGENCE_UPDATE", data: { progress: 0.5 } },
          prompt(a, "p2"),
        ],
      },
    });
    expect(res.status).toBe(202);
    expect(res.json).toEqual({
      results: [
        { userId: a, seq: 1 }, { userId: b, seq: 1 }, { userId: a, seq: 2 }, { userId: a, seq: 3 },
        { userId: b, seq: 2 }, { userId: a, seq: 4 }, { userId: a, seq: 5 },
      ],
    });
    const live = [];
    for (let i = 0; i < 5; i++) live.push(await phone.client.next());
    expect(live.map((f) => [f.type, f.seq, f.from])).toEqual([
      ["CREDIT_UPDATE", 1, "test-service"], ["SHOOT_PROGRESS", 2, "test-service"], ["LIMBIC_UPDATE", 3, "test-service"],
      ["CONVERGENCE_UPDATE", 4, "test-service"], ["PROMPT_CHANGE", 5, "test-service"],
    ]);
    const snap = await api(`/api/sync/users/${b}`, { token });
    expect(snap.json).toMatchObject({ seq: 2, state: { posture: { posture: "peer", by: "test-service" } } });
    phone.client.close();
  });

  it("answers each bad item with its own error and applies the others", async () => {
    const user = uniqueUser();
    const token = await serviceToken();
    const res = await api("/api/sync/batch", {
      token,
      body: {
        events: [
          credit(user, 1),
          { userId: user, type: "DREAM_RESULT", data: {} },
          { userId: user, type: "CREDIT_UPDATE", data: { newBalance: "lots", change: 1, reason: "x" } },
          credit("not a user id!", 1),
          "not an object",
          credit(user, 2),
        ],
      },
    });
    expect(res.status).toBe(202);
    expect(res.json.results).toHaveLength(6);
    expect(res.json.results[0]).toEqual({ userId: user, seq: 1 });
    expect(res.json.results[1]).toEqual({ userId: user, error: { code: "UNKNOWN_TYPE", retryable: false, message: expect.stringContaining("DREAM_RESULT is not a type a service can publish") } });
    expect(res.json.results[2]).toEqual({ userId: user, error: { code: "INVALID_BODY", retryable: false, message: "the data is invalid for CREDIT_UPDATE", issues: [{ path: "data.newBalance", message: expect.any(String) }] } });
    expect(res.json.results[3]).toEqual({ userId: "not a user id!", error: { code: "INVALID_BODY", retryable: false, message: "the event is invalid", issues: [{ path: "userId", message: expect.any(String) }] } });
    expect(res.json.results[4]).toEqual({ error: { code: "INVALID_BODY", retryable: false, message: "the event is invalid", issues: expect.any(Array) } });
    expect(res.json.results[5]).toEqual({ userId: user, seq: 2 });
  });

  it("keeps idempotency per item: a repeat is answered with the first seq, a reuse with other data is refused", async () => {
    const user = uniqueUser();
    const token = await serviceToken();
    const first = await api("/api/sync/batch", { token, body: { events: [credit(user, 1, { idempotencyKey: "k1" }), credit(user, 2, { idempotencyKey: "k2" })] } });
    expect(first.json.results).toEqual([{ userId: user, seq: 1 }, { userId: user, seq: 2 }]);
    const again = await api("/api/sync/batch", {
      token,
      body: {
        events: [
          credit(user, 1, { idempotencyKey: "k1" }),
          credit(user, 3, { idempotencyKey: "k3" }),
          credit(user, 99, { idempotencyKey: "k2" }),
          credit(user, 4, { idempotencyKey: "k4" }),
          credit(user, 4, { idempotencyKey: "k4" }),
          credit(user, 5),
        ],
      },
    });
    expect(again.json.results).toEqual([
      { userId: user, seq: 1, duplicate: true },
      { userId: user, seq: 3 },
      { userId: user, error: { code: "IDEMPOTENCY_KEY_REUSED", retryable: false, message: expect.any(String) } },
      { userId: user, seq: 4 },
      { userId: user, seq: 4, duplicate: true },
      { userId: user, seq: 5 },
    ]);
    // Keys are per service: another service's k1 is its own.
    const other = await api("/api/sync/batch", { token: await serviceToken("sync:publish", "other-service"), body: { events: [credit(user, 1, { idempotencyKey: "k1" })] } });
    expect(other.json.results).toEqual([{ userId: user, seq: 6 }]);
    // A key of a single-event route is not a batch item's: the fingerprint covers the route.
    await api("/api/sync/credit-update", { token, body: { userId: user, newBalance: 7, change: 1, reason: "batch" }, headers: { "Idempotency-Key": "single" } });
    const cross = await api("/api/sync/batch", { token, body: { events: [credit(user, 7, { idempotencyKey: "single" })] } });
    expect(cross.json.results[0]).toMatchObject({ error: { code: "IDEMPOTENCY_KEY_REUSED" } });
    expect((await api(`/api/sync/users/${user}`, { token })).json.seq).toBe(7);
  });

  it("counts items against the service rate limit: past the bucket every later item of the user is RATE_LIMITED", async () => {
    const [user, other] = [uniqueUser(), uniqueUser()];
    const token = await serviceToken();
    const events = Array.from({ length: 700 }, (_, i) => (i === 650 ? credit(other, 1) : prompt(user, `p${i}`)));
    const res = await api("/api/sync/batch", { token, body: { events } });
    expect(res.status).toBe(202);
    const results = res.json.results as Record<string, any>[];
    expect(results.slice(0, 600).map((r) => r.seq)).toEqual(Array.from({ length: 600 }, (_, i) => i + 1));
    expect(results[600]).toEqual({ userId: user, error: { code: "RATE_LIMITED", retryable: true, message: "more than 600 service writes a minute for this user", retryAfterMs: expect.any(Number) } });
    expect(results.slice(600).filter((r) => r.error?.code === "RATE_LIMITED")).toHaveLength(99);
    expect(results[650]).toEqual({ userId: other, seq: 1 }); // another user's bucket
    // The bucket refills 10 a second: 100 more items within 10 s cannot all pass.
    const again = await api("/api/sync/batch", { token, body: { events: Array.from({ length: 100 }, (_, i) => prompt(user, `late${i}`)) } });
    expect((again.json.results as Record<string, any>[]).at(-1)!.error.code).toBe("RATE_LIMITED");
  });

  it("refuses a malformed body as a whole, and tokens without sync:publish", async () => {
    const token = await serviceToken();
    const user = uniqueUser();
    const empty = await api("/api/sync/batch", { token, body: { events: [] } });
    expect(empty.status).toBe(400);
    expect(empty.json.error).toMatchObject({ code: "INVALID_BODY", issues: [{ path: "events", message: "give at least one event" }] });
    const many = await api("/api/sync/batch", { token, body: { events: Array.from({ length: 1001 }, () => credit(user, 1)) } });
    expect(many.status).toBe(400);
    expect(many.json.error.issues).toEqual([{ path: "events", message: "at most 1000 events" }]);
    expect((await api("/api/sync/batch", { token: await serviceToken("sync:read"), body: { events: [credit(user, 1)] } })).status).toBe(403);
    expect((await api("/api/sync/batch", { token: await userToken(user), body: { events: [credit(user, 1)] } })).status).toBe(403);
    expect((await api(`/api/sync/users/${user}`, { token })).json.seq).toBe(0);
  });

  it("reaches a batch=1 device as EVENTS frames (in order, within the frame bound), any other device one frame an event, each only its topics", async () => {
    const user = uniqueUser();
    const token = await serviceToken();
    const batched = await device(user, "phone", { batch: 1 });
    const plain = await device(user, "tablet");
    const creditsOnly = await device(user, "watch", { batch: 1, topics: "credits" });
    for (const d of [batched, plain]) d.client.drain(); // the others' DEVICE_CONNECTED
    const title = "t".repeat(200);
    const events = Array.from({ length: 600 }, (_, i) => (i % 100 === 99 ? credit(user, i) : prompt(user, `p${i}`, { data: { promptId: `p${i}`, action: "created", title } })));
    const res = await api("/api/sync/batch", { token, body: { events } });
    expect(res.status).toBe(202);
    const seqs = (res.json.results as { seq: number }[]).map((r) => r.seq);
    expect(seqs).toEqual(Array.from({ length: 600 }, (_, i) => i + 1));

    const got: Record<string, unknown>[] = [];
    while (got.length < 600) {
      const f = await batched.client.next();
      expect(f.type).toBe("EVENTS");
      expect(new TextEncoder().encode(JSON.stringify(f)).length).toBeLessThanOrEqual(1_048_576);
      got.push(...(f as unknown as { events: Record<string, unknown>[] }).events);
    }
    expect(got.map((e) => e.seq)).toEqual(seqs);
    for (let i = 0; i < 600; i++) expect(await plain.client.next()).toEqual(got[i]);
    const credits = await creditsOnly.client.next();
    expect((credits as unknown as { events: { type: string; seq: number }[] }).events.map((e) => [e.type, e.seq]))
      .toEqual([100, 200, 300, 400, 500, 600].map((seq) => ["CREDIT_UPDATE", seq]));
    for (const d of [batched, plain, creditsOnly]) d.client.close();
  });

  it("leaves each key at its last item's value and version when items of one batch write the same keys again and again", async () => {
    const user = uniqueUser();
    const token = await serviceToken();
    const events: object[] = Array.from({ length: 300 }, (_, i) => ({ userId: user, type: "SHOOT_PROGRESS", data: { shootId: `s${i % 3}`, status: "processing", processedCount: i, totalCount: 1000 } }));
    events.push(credit(user, 5), { userId: user, type: "LIMBIC_UPDATE", data: { trust: 0.25 } }, { userId: user, type: "LIMBIC_UPDATE", data: { warmth: 0.5 } });
    const res = await api("/api/sync/batch", { token, body: { events } });
    expect(res.status).toBe(202);
    expect(res.json.results.every((r: { seq?: number }) => r.seq !== undefined)).toBe(true);
    const snap = (await api(`/api/sync/users/${user}`, { token })).json;
    expect(snap.seq).toBe(303);
    expect(snap.versions).toEqual({ "shoots.s0": 298, "shoots.s1": 299, "shoots.s2": 300, credits: 301, limbic: 303 });
    expect([0, 1, 2].map((k) => snap.state[`shoots.s${k}`].processedCount)).toEqual([297, 298, 299]);
    expect(snap.state.limbic).toMatchObject({ trust: 0.25, warmth: 0.5 });
    // A device that resumes from seq 1 gets the same state from the store.
    const phone = await device(user, "phone", { since: 1 });
    expect(phone.catchUp[1]).toMatchObject({ type: "STATE", versions: snap.versions });
    phone.client.close();
  });
});
