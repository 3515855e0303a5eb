import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { api, device, hubOf, serviceToken, shoot, uniqueUser, userToken } from "./helpers.js";
import { finishedShoot, runningShoot, sqlNumber, writeShoots } from "./bounds-helpers.js";

const shootKeys = (state: Record<string, unknown>) => Object.keys(state).filter((k) => k.startsWith("shoots."));

describe("shoot lifecycle", () => {
  it("15,000 shoots leave /api/me and the service read at 200 with a bounded body: MAX_SHOOTS (500) keys, the newest", async () => {
    const user = uniqueUser("many-shoots");
    expect(await writeShoots(user, 14_990, (i) => finishedShoot(`s${i}`))).toEqual([]);
    // The last ten through HTTP, as a service sends them.
    const token = await serviceToken();
    for (let i = 14_990; i < 15_000; i++) {
      expect((await api("/api/sync/shoot-progress", { token, body: shoot(user, `s${i}`, 10, 10) })).status).toBe(202);
    }
    const me = await api("/api/me", { token: await userToken(user) });
    expect(me.status).toBe(200);
    const bytes = JSON.stringify(me.json).length;
    expect(bytes).toBeLessThan(1_048_576);
    const keys = shootKeys(me.json.state);
    expect(keys.length).toBe(500);
    expect(keys).toContain("shoots.s14999");
    expect(keys).not.toContain("shoots.s14499");
    const read = await api(`/api/sync/users/${user}`, { token });
    expect(read.status).toBe(200);
    expect(shootKeys(read.json.state).length).toBe(500);
    expect(await sqlNumber(user, "SELECT COUNT(*) AS n FROM state WHERE key LIKE 'shoots.%'")).toBe(500);
  }, 120_000);

  it("a new shoot at the cap evicts the oldest finished one: STATE_REMOVED {evicted} reaches devices live, before the new shoot", async () => {
    const user = uniqueUser("evict");
    await writeShoots(user, 1, (i) => finishedShoot(`old${i}`));
    await writeShoots(user, 499, (i) => runningShoot(`run${i}`));
    const phone = await device(user, "phone");
    const r = await api("/api/sync/shoot-progress", { token: await serviceToken(), body: shoot(user, "new", 0, 5) });
    expect(r).toMatchObject({ status: 202, json: { seq: 502 } });
    const removal = await phone.client.next();
    expect(removal).toEqual({ type: "STATE_REMOVED", seq: 501, ts: expect.any(Number), data: { keys: ["shoots.old0"], reason: "evicted" }, from: "test-service" });
    expect(await phone.client.next()).toMatchObject({ type: "SHOOT_PROGRESS", seq: 502, data: { shootId: "new" } });
    phone.client.close();
  });

  it("with MAX_SHOOTS running shoots, a new shoot is refused with TOO_MANY_SHOOTS (409, socket ERROR) and nothing changes", async () => {
    const user = uniqueUser("full");
    await writeShoots(user, 500, (i) => runningShoot(`run${i}`));
    const r = await api("/api/sync/shoot-progress", { token: await serviceToken(), body: shoot(user, "one-more", 0, 5) });
    expect(r).toMatchObject({ status: 409, json: { error: { code: "TOO_MANY_SHOOTS" } } });
    const phone = await device(user, "phone");
    phone.client.send({ type: "UPDATE_PROGRESS", id: "u1", data: runningShoot("from-phone") });
    expect(await phone.client.next("ERROR")).toMatchObject({ type: "ERROR", id: "u1", code: "TOO_MANY_SHOOTS" });
    // An update of a shoot that exists still passes.
    phone.client.send({ type: "UPDATE_PROGRESS", id: "u2", data: finishedShoot("run0") });
    expect(await phone.client.next("ACCEPTED")).toMatchObject({ id: "u2", seq: 501 });
    const me = await api("/api/me", { token: await userToken(user) });
    expect(me.json.seq).toBe(501);
    expect(shootKeys(me.json.state).length).toBe(500);
    phone.client.close();
  });

  it("a finished shoot leaves after SHOOT_RETENTION_HOURS through the prune job: live removal {expired}, running shoots stay", async () => {
    const user = uniqueUser("expire");
    await writeShoots(user, 3, (i) => finishedShoot(`done${i}`));
    await writeShoots(user, 1, () => runningShoot("busy"));
    // The expiry was scheduled with the prune job, within the hour after 72 h.
    const due = await runInDurableObject(hubOf(user), (_i, state) => state.storage.sql.exec<{ due: number }>("SELECT due FROM jobs WHERE id = 'prune'").one().due);
    expect(due - Date.now()).toBeGreaterThan(72 * 3600_000 - 60_000);
    expect(due - Date.now()).toBeLessThanOrEqual(73 * 3600_000);
    const phone = await device(user, "phone");
    // 73 hours later (moved back in storage rather than waiting).
    await runInDurableObject(hubOf(user), (_i, state) => {
      state.storage.sql.exec("UPDATE state SET finished_at = finished_at - ? WHERE finished_at IS NOT NULL", 73 * 3600_000);
      state.storage.sql.exec("UPDATE jobs SET due = ? WHERE id = 'prune'", Date.now() - 1);
    });
    await runInDurableObject(hubOf(user), (instance) => instance.alarm());
    expect(await phone.client.next()).toEqual({ type: "STATE_REMOVED", seq: 5, ts: expect.any(Number), data: { keys: ["shoots.done0", "shoots.done1", "shoots.done2"], reason: "expired" }, from: "nerve" });
    const me = await api("/api/me", { token: await userToken(user) });
    expect(shootKeys(me.json.state)).toEqual(["shoots.busy"]);
    phone.client.close();
  });
});
