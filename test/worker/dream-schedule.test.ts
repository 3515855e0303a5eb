import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { device, uniqueUser } from "./helpers.js";
import { dreamsOf, hub, jobsOf, stepUntil } from "./dream-helpers.js";

const MIN = 60_000;
const DAY = 24 * 60 * MIN;

/** The next time strictly after `now` when a clock at UTC+offset reads hh:mm, computed by hand. */
function expectedNext(now: number, hour: number, minute: number, offsetMin: number): number {
  const local = new Date(now + offsetMin * MIN);
  let at = Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate(), hour, minute) - offsetMin * MIN;
  if (at <= now) at += DAY;
  return at;
}

/**
 * Moves the user's clock forward to the nightly hour: the stored next time and the job's due
 * time both become `at` (a past instant), as they would read when that hour has come.
 */
const arriveAt = async (user: string, at: number) => {
  await runInDurableObject(hub(user), (_i, state) => {
    const sql = state.storage.sql;
    const row = sql.exec<{ value: string }>("SELECT value FROM state WHERE key = 'dreams'").one();
    const dreams = JSON.parse(row.value);
    dreams.schedule.nextAt = at;
    sql.exec("UPDATE state SET value = ? WHERE key = 'dreams'", JSON.stringify(dreams));
    sql.exec("UPDATE jobs SET due = ? WHERE id = 'dream:nightly'", at);
  });
  // The hub keeps the state rows it wrote in memory (StateStore); an edit behind its back is seen
  // by a new instance, as after the hours a hub spends hibernated before its nightly hour.
  await evictDurableObject(hub(user), { webSockets: "hibernate" });
};

const runAlarmNow = (user: string) => runInDurableObject(hub(user), (instance) => instance.alarm());

describe("the nightly dream schedule (DREAM_SCHEDULE)", () => {
  it("sets the schedule, and the nightly job is due at the user's hour", async () => {
    const user = uniqueUser("ds");
    const phone = await device(user, "phone");
    const laptop = await device(user, "laptop");
    const before = Date.now();
    phone.client.send({ type: "DREAM_SCHEDULE", id: "s1", data: { enabled: true, hour: 3, minute: 15, utcOffsetMinutes: 120, windowHours: 12 } });
    const ok = await phone.client.next("ACCEPTED");
    const nextAt = expectedNext(before, 3, 15, 120);
    expect(ok).toEqual({ type: "ACCEPTED", id: "s1", seq: 1, nextAt });
    const schedule = { enabled: true, hour: 3, minute: 15, utcOffsetMinutes: 120, windowHours: 12, nextAt };
    expect(await laptop.client.next("DREAM_SCHEDULE")).toEqual({ type: "DREAM_SCHEDULE", seq: 1, ts: expect.any(Number), from: "phone", data: schedule });
    expect((await dreamsOf(user))!.schedule).toEqual(schedule);
    expect((await jobsOf(user))["dream:nightly"]).toEqual({ due: nextAt, attempts: 0 });
    // 03:15 at UTC+2 is 01:15 UTC.
    expect(new Date(nextAt).getUTCHours() * 60 + new Date(nextAt).getUTCMinutes()).toBe(75);
    phone.client.close();
    laptop.client.close();
  });

  it("fires at its hour: queues a cycle from the schedule, which runs; the next night is scheduled; a repeated alarm queues nothing more", async () => {
    const user = uniqueUser("ds");
    const phone = await device(user, "phone");
    phone.client.send({ type: "DREAM_SCHEDULE", id: "s1", data: { enabled: true, hour: 4, minute: 0, windowHours: 6 } });
    await phone.client.next("ACCEPTED");
    const hourCame = Date.now() - 1000;
    await arriveAt(user, hourCame);
    await runAlarmNow(user);
    const queued = await phone.client.next("DREAM_QUEUED");
    const next = expectedNext(Date.now(), 4, 0, 0);
    expect(queued).toEqual({
      type: "DREAM_QUEUED", seq: 2, ts: expect.any(Number), from: "schedule",
      data: { cycleId: expect.stringMatching(/^dc-/), windowHours: 6, trigger: "schedule", position: 1, nextAt: next },
    });
    expect((await jobsOf(user))["dream:nightly"]).toEqual({ due: next, attempts: 0 });
    expect((await dreamsOf(user))!.schedule).toMatchObject({ enabled: true, nextAt: next });

    // The same alarm delivered again (the job row as it was before): nothing more is queued.
    await runInDurableObject(hub(user), (_i, state) => state.storage.sql.exec("UPDATE jobs SET due = ? WHERE id = 'dream:nightly'", hourCame));
    await runAlarmNow(user);
    expect((await dreamsOf(user))!.queue).toHaveLength(1);
    expect((await jobsOf(user))["dream:nightly"]).toEqual({ due: next, attempts: 0 });

    const { frames } = await stepUntil(user, phone.client, "DREAM_RESULT");
    const result = frames.at(-1)!;
    expect(result.data).toMatchObject({ cycleId: (queued.data as { cycleId: string }).cycleId, report: { window: { hours: 6 } } });
    expect((await dreamsOf(user))!.history[0]).toMatchObject({ trigger: "schedule", by: "schedule", status: "completed" });
    phone.client.close();
  });

  it("disabling removes the nightly job; fields left out keep their earlier values", async () => {
    const user = uniqueUser("ds");
    const phone = await device(user, "phone");
    phone.client.send({ type: "DREAM_SCHEDULE", id: "on", data: { enabled: true, hour: 22, minute: 30 } });
    await phone.client.next("ACCEPTED");
    phone.client.send({ type: "DREAM_SCHEDULE", id: "off", data: { enabled: false } });
    expect(await phone.client.next("ACCEPTED")).toEqual({ type: "ACCEPTED", id: "off", seq: 2, nextAt: null });
    expect((await dreamsOf(user))!.schedule).toEqual({ enabled: false, hour: 22, minute: 30, utcOffsetMinutes: 0, windowHours: 24, nextAt: null });
    expect((await jobsOf(user))["dream:nightly"]).toBeUndefined();
    phone.client.send({ type: "DREAM_SCHEDULE", id: "bad", data: { enabled: true, hour: 24 } });
    expect(await phone.client.next("ERROR")).toMatchObject({ id: "bad", code: "INVALID_MESSAGE", issues: [{ path: "data.hour", message: expect.any(String) }] });
    phone.client.close();
  });
});
