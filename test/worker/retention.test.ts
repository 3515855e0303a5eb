import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { api, concurrently, device, publishDirect, serviceToken, uniqueUser, userToken } from "./helpers.js";

// The worker tests run with EVENT_RETENTION_COUNT=200 (vitest.config.ts).
const hub = (user: string) => env.USER_HUB.get(env.USER_HUB.idFromName(user));

async function publishPrompts(user: string, n: number) {
  await concurrently(n, (i) => publishDirect(user, "PROMPT_CHANGE", { promptId: `p${i}`, action: "updated" }));
}

/** Runs the hub's alarm handler now: due jobs run, whether or not the runtime's alarm already fired. */
const runAlarmNow = (user: string) => runInDurableObject(hub(user), (instance) => instance.alarm());

describe("retention", () => {
  it("the alarm prunes the log beyond EVENT_RETENTION_COUNT, keeping seq", async () => {
    const user = uniqueUser();
    await publishPrompts(user, 250);
    await runAlarmNow(user);
    const counts = await runInDurableObject(hub(user), (_i, state) => ({
      count: state.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM events").one().n,
      min: state.storage.sql.exec<{ s: number }>("SELECT MIN(seq) AS s FROM events").one().s,
    }));
    expect(counts).toEqual({ count: 200, min: 51 });
    // A new event still gets the next seq.
    await publishPrompts(user, 1);
    const page = await api("/api/me/events?since=250", { token: await userToken(user) });
    expect(page.json.events.map((e: { seq: number }) => e.seq)).toEqual([251]);
  });

  it("a since older than the retained log gets reset: true with the full state", async () => {
    const user = uniqueUser();
    await api("/api/sync/credit-update", { token: await serviceToken(), body: { userId: user, newBalance: 7, change: 7, reason: "start" } });
    await publishPrompts(user, 249);
    await runAlarmNow(user);
    const d = await device(user, "old-phone", { since: 10 });
    expect(d.catchUp[0]).toMatchObject({ type: "WELCOME", seq: 250, resumed: false });
    expect(d.catchUp[1]).toMatchObject({ type: "STATE", seq: 250, reset: true, state: { credits: { newBalance: 7 } }, versions: { credits: 1 } });
    expect(d.catchUp.map((f) => f.type)).toEqual(["WELCOME", "STATE", "SYNCED"]);
    // From the first retained event on, resuming still works.
    const ok = await device(user, "recent-phone", { since: 50 });
    expect(ok.catchUp[0]).toMatchObject({ resumed: true });
    expect(ok.catchUp.filter((f) => f.type === "PROMPT_CHANGE").length).toBe(200);
    d.client.close();
    ok.client.close();
  });

  it("GET /api/me/events says reset when the cursor is beyond retention", async () => {
    const user = uniqueUser();
    await publishPrompts(user, 230);
    await runAlarmNow(user);
    const token = await userToken(user);
    expect((await api("/api/me/events?since=5&limit=2", { token })).json).toMatchObject({ reset: true, seq: 230 });
    const page = await api("/api/me/events?since=100&limit=2", { token });
    expect(page.json).toMatchObject({ reset: false, seq: 230, hasMore: true });
    expect(page.json.events.map((e: { seq: number }) => e.seq)).toEqual([101, 102]);
  });

  it("prunes events older than EVENT_RETENTION_DAYS", async () => {
    const user = uniqueUser();
    await publishPrompts(user, 3);
    await runInDurableObject(hub(user), (_i, state) => {
      state.storage.sql.exec("UPDATE events SET ts = ? WHERE seq <= 2", Date.now() - 8 * 24 * 3600 * 1000);
      state.storage.sql.exec("UPDATE jobs SET due = ? WHERE id = 'prune'", Date.now() - 1);
    });
    // The runtime's alarm is set for the oldest event's expiry, days away; run it now.
    expect(await runDurableObjectAlarm(hub(user))).toBe(true);
    const seqs = await runInDurableObject(hub(user), (_i, state) => state.storage.sql.exec<{ seq: number }>("SELECT seq FROM events ORDER BY seq").toArray().map((r) => r.seq));
    expect(seqs).toEqual([3]);
    // The next prune is scheduled for when the oldest remaining event expires.
    const due = await runInDurableObject(hub(user), (_i, state) => state.storage.sql.exec<{ due: number }>("SELECT due FROM jobs WHERE id = 'prune'").one().due);
    expect(due).toBeGreaterThan(Date.now() + 6 * 24 * 3600 * 1000);
  });
});

