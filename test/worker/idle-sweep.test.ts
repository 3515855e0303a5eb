import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { api, device, hubOf, serviceToken, uniqueUser } from "./helpers.js";

const HOUR = 3_600_000;
/** Tokens that outlive the idle sweep: a token's expiry would bring the sweep forward (to exp + 50 s). */
const LONG = { ttl: 3 * 3600 };
const sweepDue = (user: string) => runInDurableObject(hubOf(user), (_i, state) =>
  state.storage.sql.exec<{ due: number }>("SELECT due FROM jobs WHERE id = 'sweep'").one().due);

/** Pretends a device was last heard from `agoMs` ago. */
const age = (user: string, deviceId: string, agoMs: number) => runInDurableObject(hubOf(user), (_i, state) => {
  for (const ws of state.getWebSockets(`d:${deviceId}`)) {
    const a = ws.deserializeAttachment() as Record<string, number>;
    ws.serializeAttachment({ ...a, connectedAt: Date.now() - agoMs, lastMessageAt: Date.now() - agoMs });
  }
});

describe("idle sweep: wakes only when presence has a watcher", () => {
  it("one device: the sweep is an hour away (nobody to tell); a second device brings it to the presence deadline", async () => {
    const user = uniqueUser();
    const t0 = Date.now();
    const phone = await device(user, "phone", {}, LONG);
    expect(await sweepDue(user)).toBeGreaterThanOrEqual(t0 + 119 * 30_000);
    const laptop = await device(user, "laptop", {}, LONG);
    const due = await sweepDue(user);
    // The stalest socket's last sign of life + 4 heartbeats: a dead one is reported within 2 minutes.
    expect(due).toBeGreaterThanOrEqual(t0 + 120_000);
    expect(due).toBeLessThanOrEqual(Date.now() + 120_000);
    phone.client.close();
    laptop.client.close();
  });

  it("the alarm at the deadline reports a silent device offline to the other, then goes back to the idle pace", async () => {
    const user = uniqueUser();
    const silent = await device(user, "silent", {}, LONG);
    const watcher = await device(user, "watcher", {}, LONG);
    await age(user, "silent", 121_000);
    await runInDurableObject(hubOf(user), (_i, state) => state.storage.sql.exec("UPDATE jobs SET due = ? WHERE id = 'sweep'", Date.now() - 1));
    expect(await runDurableObjectAlarm(hubOf(user))).toBe(true);
    expect(await silent.client.waitClosed()).toEqual({ code: 4010, reason: "no ping for twice the heartbeat" });
    expect(await watcher.client.next("DEVICE_DISCONNECTED")).toMatchObject({ device: { deviceId: "silent", online: false } });
    expect(await sweepDue(user)).toBeGreaterThan(Date.now() + HOUR - 60_000);
    watcher.client.close();
  });

  it("a presence read sweeps first: a silent lone device is reported offline without waiting for the idle sweep", async () => {
    const user = uniqueUser();
    const lone = await device(user, "lone", {}, LONG);
    await age(user, "lone", 61_000);
    const snap = await api(`/api/sync/users/${user}`, { token: await serviceToken() });
    expect(snap.json.devices).toEqual([expect.objectContaining({ deviceId: "lone", online: false, connections: 0 })]);
    expect(await lone.client.waitClosed()).toEqual({ code: 4010, reason: "no ping for twice the heartbeat" });
  });
});
