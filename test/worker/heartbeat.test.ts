import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { device, hubOf, uniqueUser } from "./helpers.js";

/** Pretends a connection was opened, and last heard from, `agoMs` ago. */
async function age(user: string, deviceId: string, agoMs: number) {
  await runInDurableObject(hubOf(user), (_i, state) => {
    for (const ws of state.getWebSockets(`d:${deviceId}`)) {
      const a = ws.deserializeAttachment() as Record<string, number>;
      ws.serializeAttachment({ ...a, connectedAt: Date.now() - agoMs, lastMessageAt: Date.now() - agoMs });
    }
    state.storage.sql.exec("UPDATE jobs SET due = ? WHERE id = 'sweep'", Date.now() - 1);
  });
}

describe("heartbeat sweep (alarm job)", () => {
  it("closes with 4010 a connection silent for more than twice the heartbeat, keeps a fresh one, and reschedules", async () => {
    const user = uniqueUser();
    const silent = await device(user, "silent");
    const fresh = await device(user, "fresh");
    await age(user, "silent", 61_000);
    expect(await runDurableObjectAlarm(hubOf(user))).toBe(true);
    expect(await silent.client.waitClosed()).toEqual({ code: 4010, reason: "no ping for twice the heartbeat" });
    expect(await fresh.client.next("DEVICE_DISCONNECTED")).toMatchObject({ device: { deviceId: "silent", online: false } });
    fresh.client.send({ type: "PING", data: { t: 1 } });
    expect((await fresh.client.next("PONG")).t).toBe(1);
    // The sweep and the close handshake both see the socket go; the others hear of it once.
    expect(fresh.client.frames.filter((f) => f.type === "DEVICE_DISCONNECTED")).toHaveLength(1);
    const due = await runInDurableObject(hubOf(user), (_i, state) => state.storage.sql.exec<{ due: number }>("SELECT due FROM jobs WHERE id = 'sweep'").one().due);
    expect(due).toBeGreaterThan(Date.now() + 55_000);
    fresh.client.close();
  });

  it("counts the text ping answered by the runtime (without waking the object) as a sign of life", async () => {
    const user = uniqueUser();
    const pinger = await device(user, "pinger");
    await age(user, "pinger", 61_000);
    pinger.client.send("ping");
    expect(await pinger.client.next()).toEqual({ type: "pong" });
    expect(await runDurableObjectAlarm(hubOf(user))).toBe(true);
    pinger.client.send({ type: "PING", data: { t: 5 } });
    expect(await pinger.client.next()).toMatchObject({ type: "PONG", t: 5 });
    expect(pinger.client.closed).toBeNull();
    pinger.client.close();
  });

  it("stops sweeping when no connection is left", async () => {
    const user = uniqueUser();
    const d = await device(user, "d");
    d.client.close();
    await d.client.waitClosed();
    await runInDurableObject(hubOf(user), (_i, state) => state.storage.sql.exec("UPDATE jobs SET due = ? WHERE id = 'sweep'", Date.now() - 1));
    await runDurableObjectAlarm(hubOf(user));
    const jobs = await runInDurableObject(hubOf(user), (_i, state) => state.storage.sql.exec("SELECT id FROM jobs").toArray());
    expect(jobs).toEqual([]);
    expect(await runInDurableObject(hubOf(user), (_i, state) => state.storage.getAlarm())).toBeNull();
  });
});
