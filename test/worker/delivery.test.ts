import { describe, expect, it } from "vitest";
import { api, device, serviceToken, shoot, uniqueUser } from "./helpers.js";

describe("delivery", () => {
  it("a service POST reaches both of the user's devices, and says so", async () => {
    const user = uniqueUser();
    const phone = await device(user, "phone");
    const laptop = await device(user, "laptop");
    phone.client.drain();
    const res = await api("/api/sync/shoot-progress", { token: await serviceToken(), body: shoot(user, "s1", 10, 100, { currentImage: "IMG_0001.jpg", eta: 42 }) });
    expect(res.status).toBe(202);
    expect(res.json).toEqual({ seq: 1, delivered: 2 });
    const expected = {
      type: "SHOOT_PROGRESS", seq: 1, ts: expect.any(Number), from: "test-service",
      data: { shootId: "s1", status: "processing", processedCount: 10, totalCount: 100, currentImage: "IMG_0001.jpg", eta: 42 },
    };
    expect(await phone.client.next("SHOOT_PROGRESS")).toEqual(expected);
    expect(await laptop.client.next("SHOOT_PROGRESS")).toEqual(expected);
    phone.client.close();
    laptop.client.close();
  });

  it("the sender gets ACCEPTED, not the event; the other device gets the event", async () => {
    const user = uniqueUser();
    const mac = await device(user, "mac");
    const web = await device(user, "web");
    mac.client.drain();
    mac.client.send({ type: "UPDATE_PROGRESS", id: "m1", data: { shootId: "s9", status: "processing", processedCount: 3, totalCount: 9 } });
    expect(await mac.client.next()).toEqual({ type: "ACCEPTED", id: "m1", seq: 1, ts: expect.any(Number) });
    expect(await web.client.next("SHOOT_PROGRESS")).toMatchObject({ seq: 1, from: "mac", data: { shootId: "s9", processedCount: 3 } });
    // Nothing else reached the sender: a PING round-trip proves the queue is empty before it.
    mac.client.send({ type: "PING", data: { t: 7 } });
    expect(await mac.client.next()).toMatchObject({ type: "PONG", t: 7 });
    mac.client.close();
    web.client.close();
  });

  it("broadcasts in seq order", async () => {
    const user = uniqueUser();
    const a = await device(user, "a");
    const token = await serviceToken();
    for (let i = 1; i <= 10; i++) {
      await api("/api/sync/credit-update", { token, body: { userId: user, newBalance: 100 + i, change: 1, reason: `tick ${i}` } });
    }
    const seqs = [];
    for (let i = 0; i < 10; i++) seqs.push((await a.client.next("CREDIT_UPDATE")).seq);
    expect(seqs).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    a.client.close();
  });

  it("a topic-filtered connection receives only its topics", async () => {
    const user = uniqueUser();
    const credits = await device(user, "wallet", { topics: "credits" });
    const token = await serviceToken();
    await api("/api/sync/shoot-progress", { token, body: shoot(user, "s1", 1) });
    await api("/api/sync/credit-update", { token, body: { userId: user, newBalance: 5, change: 5, reason: "gift" } });
    expect(await credits.client.next()).toMatchObject({ type: "CREDIT_UPDATE", seq: 2 });
    expect(credits.catchUp[1]).toEqual({ type: "STATE", seq: 0, state: {}, versions: {}, reset: true });
    credits.client.close();
  });
});
