import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { connect, device, hubOf, publishDirect, uniqueUser, userToken } from "./helpers.js";

const prompt = (promptId: string, action = "created") => ({ promptId, action });

/** Seq 1 a credit; the phone syncs and leaves; then messages and state ticks alternate (seq 2-6). */
async function missedWhileAway(user: string) {
  await publishDirect(user, "CREDIT_UPDATE", { newBalance: 1, change: 1, reason: "signup" }); // 1
  const phone = await device(user, "phone");
  phone.client.close();
  await phone.client.waitClosed();
  await publishDirect(user, "PROMPT_CHANGE", prompt("p1")); // 2
  await publishDirect(user, "SHOOT_PROGRESS", { shootId: "s", status: "processing", processedCount: 1, totalCount: 9 }); // 3
  await publishDirect(user, "PROMPT_CHANGE", prompt("p2")); // 4
  await publishDirect(user, "CREDIT_UPDATE", { newBalance: 2, change: 1, reason: "gift" }); // 5
  await publishDirect(user, "PROMPT_CHANGE", prompt("p3", "deleted")); // 6
}

describe("batched catch-up (batch=1)", () => {
  it("sends WELCOME, STATE, the missed messages in seq order in one EVENTS frame, then SYNCED; live events keep their shape", async () => {
    const user = uniqueUser();
    await missedWhileAway(user);
    const back = await device(user, "phone", { since: 1, batch: 1 });
    const [welcome, state, events, synced, ...rest] = back.catchUp;
    expect(rest).toEqual([]);
    expect(welcome).toMatchObject({ type: "WELCOME", seq: 6, resumed: true });
    expect(state).toMatchObject({ type: "STATE", seq: 6, reset: false, versions: { credits: 5, "shoots.s": 3 } });
    expect(Object.keys(events!)).toEqual(["type", "events"]);
    const list = (events as unknown as { events: Record<string, unknown>[] }).events;
    // The state ticks (3, 5) are in STATE, not replayed: each message once, in order.
    expect(list.map((e) => [e.type, e.seq, e.data, e.from])).toEqual([
      ["PROMPT_CHANGE", 2, prompt("p1"), "test-service"],
      ["PROMPT_CHANGE", 4, prompt("p2"), "test-service"],
      ["PROMPT_CHANGE", 6, prompt("p3", "deleted"), "test-service"],
    ]);
    expect(list.every((e) => typeof e.ts === "number" && Object.keys(e).join() === "type,seq,ts,data,from")).toBe(true);
    expect(synced).toEqual({ type: "SYNCED", seq: 6 });

    await publishDirect(user, "PROMPT_CHANGE", prompt("p4"));
    const live = await back.client.next();
    expect(live).toMatchObject({ type: "PROMPT_CHANGE", seq: 7, data: prompt("p4") });
    back.client.close();
  });

  it("an old client (no batch=1) gets the same events, one frame each, as before", async () => {
    const user = uniqueUser();
    await missedWhileAway(user);
    const batched = await device(user, "phone", { since: 1, batch: 1 });
    const plain = await device(user, "tablet", { since: 1 });
    expect(plain.catchUp.map((f) => f.type)).toEqual(["WELCOME", "STATE", "PROMPT_CHANGE", "PROMPT_CHANGE", "PROMPT_CHANGE", "SYNCED"]);
    expect(plain.catchUp.slice(2, 5)).toEqual((batched.catchUp[2] as unknown as { events: unknown[] }).events);
    batched.client.close();
    plain.client.close();
  });

  it("with nothing missed there is no EVENTS frame, and a reset (no since) is STATE only", async () => {
    const user = uniqueUser();
    await missedWhileAway(user);
    const current = await device(user, "phone", { since: 6, batch: 1 });
    expect(current.catchUp.map((f) => f.type)).toEqual(["WELCOME", "STATE", "SYNCED"]);
    const fresh = await device(user, "laptop", { batch: 1 });
    expect(fresh.catchUp.map((f) => f.type)).toEqual(["WELCOME", "STATE", "SYNCED"]);
    expect(fresh.catchUp[1]).toMatchObject({ reset: true });
    current.client.close();
    fresh.client.close();
  });

  it("replays rows written before the wire column (schema 3) with the same shape", async () => {
    const user = uniqueUser();
    await publishDirect(user, "PROMPT_CHANGE", prompt("new")); // 1, with its wire JSON
    await runInDurableObject(hubOf(user), (_i, state) => {
      state.storage.sql.exec("INSERT INTO events (seq, type, ts, data, from_id, state_key, wire) VALUES (2, 'PROMPT_CHANGE', 1700000000000, ?, 'old-service', NULL, NULL)",
        JSON.stringify({ promptId: "old", action: "updated", title: "É ✓ 🌅" }));
    });
    await evictDurableObject(hubOf(user));
    const d = await device(user, "phone", { since: 0, batch: 1 });
    expect(d.catchUp[0]).toMatchObject({ type: "WELCOME", seq: 2 });
    expect(d.catchUp[2]).toEqual({
      type: "EVENTS",
      events: [
        { type: "PROMPT_CHANGE", seq: 1, ts: expect.any(Number), data: prompt("new"), from: "test-service" },
        { type: "PROMPT_CHANGE", seq: 2, ts: 1700000000000, data: { promptId: "old", action: "updated", title: "É ✓ 🌅" }, from: "old-service" },
      ],
    });
    // The log continues after the row it found on waking.
    expect((await publishDirect(user, "PROMPT_CHANGE", prompt("next"))).seq).toBe(3);
    d.client.close();
  });

  it("refuses a batch value other than 0 or 1 with 4000", async () => {
    const user = uniqueUser();
    const client = await connect({ token: await userToken(user), device: "phone", batch: "yes" });
    expect(await client.waitClosed()).toMatchObject({ code: 4000 });
  });
});
