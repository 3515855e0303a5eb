import { describe, expect, it } from "vitest";
import { SHOOT_STALLED_AFTER_MS } from "../../protocol/index.js";
import { api, device, serviceToken, shoot, uniqueUser, userToken } from "./helpers.js";

describe("DELETE /api/me/state/shoots.<id>: a user dismisses a finished or stalled shoot", () => {
  it("removes a completed shoot and a failed one: 200 {seq, delivered}, STATE_REMOVED from the dismissing device", async () => {
    const user = uniqueUser("dismiss");
    const service = await serviceToken();
    await api("/api/sync/shoot-progress", { token: service, body: shoot(user, "done", 5, 5, { status: "completed" }) });
    await api("/api/sync/shoot-progress", { token: service, body: shoot(user, "broke", 2, 5, { status: "failed", errorMessage: "x" }) });
    const laptop = await device(user, "laptop");
    const token = await userToken(user, { device: "phone" });
    expect(await api(`/api/me/state/shoots.done`, { method: "DELETE", token })).toMatchObject({ status: 200, json: { seq: 3, delivered: 1 } });
    expect(await laptop.client.next("STATE_REMOVED")).toEqual({ type: "STATE_REMOVED", seq: 3, ts: expect.any(Number), data: { keys: ["shoots.done"], reason: "deleted" }, from: "phone" });
    expect(await api(`/api/me/state/shoots.broke`, { method: "DELETE", token })).toMatchObject({ status: 200, json: { seq: 4 } });
    const me = await api("/api/me", { token });
    expect(Object.keys(me.json.state).filter((k) => k.startsWith("shoots."))).toEqual([]);
    laptop.client.close();
  });

  it("refuses a running shoot with 409 CONFLICT and changes nothing; a stalled one (no update for SHOOT_STALLED_AFTER_MS) goes", async () => {
    const user = uniqueUser("dismiss-run");
    const service = await serviceToken();
    await api("/api/sync/shoot-progress", { token: service, body: shoot(user, "live", 2, 5, { status: "processing" }) });
    const token = await userToken(user, { device: "phone" });
    expect(await api(`/api/me/state/shoots.live`, { method: "DELETE", token })).toMatchObject({ status: 409, json: { error: { code: "CONFLICT" } } });
    expect((await api("/api/me", { token })).json).toMatchObject({ seq: 1, state: { "shoots.live": { status: "processing" } } });
    // A shoot whose last update was made longer ago than the threshold (the update's `at`) is stalled.
    const phone = await device(user, "phone");
    phone.client.send({ type: "UPDATE_PROGRESS", id: "u1", at: Date.now() - SHOOT_STALLED_AFTER_MS - 1000, data: { shootId: "old", status: "processing", processedCount: 1, totalCount: 9 } });
    expect(await phone.client.next("ACCEPTED")).toMatchObject({ seq: 2 });
    expect(await api(`/api/me/state/shoots.old`, { method: "DELETE", token })).toMatchObject({ status: 200, json: { seq: 3 } });
    phone.client.close();
  });

  it("answers 404 for a shoot that is not there, 400 for any other key, 403 for a service token", async () => {
    const user = uniqueUser("dismiss-codes");
    const token = await userToken(user);
    await api("/api/sync/state", { token: await serviceToken(), body: { userId: user, limbic: { trust: 0.2 } } });
    expect(await api(`/api/me/state/shoots.nope`, { method: "DELETE", token })).toMatchObject({ status: 404, json: { error: { code: "NOT_FOUND" } } });
    for (const key of ["limbic", "credits", "dreams", `shoots.${"x".repeat(200)}`, "shoots."]) {
      expect(await api(`/api/me/state/${key}`, { method: "DELETE", token })).toMatchObject({ status: 400, json: { error: { code: "INVALID_BODY" } } });
    }
    expect(await api(`/api/me/state/shoots.nope`, { method: "DELETE", token: await serviceToken() })).toMatchObject({ status: 403, json: { error: { code: "FORBIDDEN" } } });
    expect((await api("/api/me", { token })).json).toMatchObject({ seq: 1, state: { limbic: { trust: 0.2 } } });
  });
});
