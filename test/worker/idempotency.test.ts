import { describe, expect, it } from "vitest";
import { api, device, serviceToken, shoot, uniqueUser, userToken } from "./helpers.js";

describe("idempotency", () => {
  it("a repeated Idempotency-Key returns the first result with duplicate: true and publishes nothing", async () => {
    const user = uniqueUser();
    const d = await device(user, "d");
    const token = await serviceToken();
    const first = await api("/api/sync/credit-update", { token, headers: { "Idempotency-Key": "charge-42" }, body: { userId: user, newBalance: 90, change: -10, reason: "shoot" } });
    expect(first).toMatchObject({ status: 202, json: { seq: 1, delivered: 1 } });
    const again = await api("/api/sync/credit-update", { token, headers: { "Idempotency-Key": "charge-42" }, body: { userId: user, newBalance: 90, change: -10, reason: "shoot" } });
    expect(again).toMatchObject({ status: 202, json: { seq: 1, delivered: 1, duplicate: true } });
    const other = await api("/api/sync/credit-update", { token, headers: { "Idempotency-Key": "charge-43" }, body: { userId: user, newBalance: 80, change: -10, reason: "shoot" } });
    expect(other.json).toEqual({ seq: 2, delivered: 1 });
    expect((await d.client.next("CREDIT_UPDATE")).seq).toBe(1);
    expect((await d.client.next("CREDIT_UPDATE")).seq).toBe(2);
    const log = await api("/api/me/events?since=0", { token: await userToken(user) });
    expect(log.json.events.map((e: { seq: number }) => e.seq)).toEqual([1, 2]);
    d.client.close();
  });

  it("the same key for another user is another write", async () => {
    const token = await serviceToken();
    const [a, b] = [uniqueUser(), uniqueUser()];
    const ra = await api("/api/sync/shoot-progress", { token, headers: { "Idempotency-Key": "k1" }, body: shoot(a, "s", 1, 2) });
    const rb = await api("/api/sync/shoot-progress", { token, headers: { "Idempotency-Key": "k1" }, body: shoot(b, "s", 1, 2) });
    expect([ra.json, rb.json]).toEqual([{ seq: 1, delivered: 0 }, { seq: 1, delivered: 0 }]);
  });

  it("refuses a malformed Idempotency-Key", async () => {
    const r = await api("/api/sync/shoot-progress", { token: await serviceToken(), headers: { "Idempotency-Key": "has space" }, body: shoot(uniqueUser(), "s", 1, 2) });
    expect(r).toMatchObject({ status: 400, json: { error: { code: "INVALID_BODY", retryable: false, message: "Idempotency-Key must be 1-255 visible ASCII characters" } } });
  });

  it("a repeated client message id is applied once and gets the first answer again", async () => {
    const user = uniqueUser();
    const mac = await device(user, "mac");
    const web = await device(user, "web");
    mac.client.drain();
    const msg = { type: "POSTURE_CHANGE", id: "c-1", data: { posture: "copilot", reason: "focus" } };
    mac.client.send(msg);
    expect(await mac.client.next()).toEqual({ type: "ACCEPTED", id: "c-1", seq: 1, ts: expect.any(Number) });
    mac.client.send(msg);
    expect(await mac.client.next()).toEqual({ type: "ACCEPTED", id: "c-1", seq: 1, ts: expect.any(Number) });
    // Even after a reconnect of the same device.
    mac.client.close();
    const mac2 = await device(user, "mac", { since: 1 });
    mac2.client.send(msg);
    expect(await mac2.client.next()).toEqual({ type: "ACCEPTED", id: "c-1", seq: 1, ts: expect.any(Number) });
    expect(await web.client.next("POSTURE_CHANGE")).toMatchObject({ seq: 1 });
    const log = await api("/api/me/events?since=0", { token: await userToken(user) });
    expect(log.json.events).toHaveLength(1);
    // The same id from another device is another message.
    web.client.send(msg);
    expect(await web.client.next("ACCEPTED")).toEqual({ type: "ACCEPTED", id: "c-1", seq: 2, ts: expect.any(Number) });
    mac2.client.close();
    web.client.close();
  });
});
