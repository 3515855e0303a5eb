import { describe, expect, it } from "vitest";
import { api, concurrently, device, publishDirect, serviceToken, shoot, uniqueUser } from "./helpers.js";

describe("catch-up after a disconnect", () => {
  it("sends changed state once (coalesced, critical first), then missed messages in order, then SYNCED", async () => {
    const user = uniqueUser();
    const token = await serviceToken();
    await api("/api/sync/credit-update", { token, body: { userId: user, newBalance: 10, change: 10, reason: "signup" } }); // seq 1
    const phone = await device(user, "phone");
    expect(phone.catchUp.at(-1)).toEqual({ type: "SYNCED", seq: 1 });
    phone.client.close();
    await phone.client.waitClosed();

    // While the phone is away (the test retention is 200 events): 150 progress ticks of one shoot, one prompt change, a limbic change, another prompt.
    await concurrently(149, async (i) => {
      const { userId: _, ...data } = shoot(user, "big", i, 150);
      await publishDirect(user, "SHOOT_PROGRESS", data);
    });
    await api("/api/sync/shoot-progress", { token, body: shoot(user, "big", 150, 150) }); // the last tick is seq 151
    await api("/api/sync/prompt-change", { token, body: { userId: user, promptId: "p1", action: "created", title: "Golden hour" } }); // 152
    await api("/api/sync/state", { token, body: { userId: user, limbic: { trust: 0.9 } } }); // 153
    await api("/api/sync/prompt-change", { token, body: { userId: user, promptId: "p1", action: "deleted" } }); // 154

    const back = await device(user, "phone", { since: 1 });
    const [welcome, state, p1, p2, synced, ...rest] = back.catchUp;
    expect(rest).toEqual([]);
    expect(welcome).toMatchObject({ type: "WELCOME", deviceId: "phone", seq: 154, resumed: true });
    expect(state).toMatchObject({ type: "STATE", seq: 154, reset: false, versions: { limbic: 153, "shoots.big": 151 } });
    expect(Object.keys(state!.state as object)).toEqual(["limbic", "shoots.big"]); // critical first; credits did not change
    expect((state!.state as any)["shoots.big"]).toMatchObject({ shootId: "big", status: "completed", processedCount: 150, totalCount: 150 });
    expect((state!.state as any).limbic).toEqual({ trust: 0.9, warmth: 0.5, arousal: 0.5, valence: 0.5, posture: 0.5, empathy: 0.5, intuition: 0.5, creativity: 0.5, wisdom: 0.5, humor: 0.5 });
    expect(p1).toMatchObject({ type: "PROMPT_CHANGE", seq: 152, data: { promptId: "p1", action: "created", title: "Golden hour" } });
    expect(p2).toMatchObject({ type: "PROMPT_CHANGE", seq: 154, data: { promptId: "p1", action: "deleted" } });
    expect(synced).toEqual({ type: "SYNCED", seq: 154 });

    // Live events continue from there, contiguous.
    await api("/api/sync/credit-update", { token, body: { userId: user, newBalance: 9, change: -1, reason: "cull" } });
    expect(await back.client.next("CREDIT_UPDATE")).toMatchObject({ seq: 155 });
    back.client.close();
  });

  it("resuming at the latest seq sends an empty STATE and no events", async () => {
    const user = uniqueUser();
    await api("/api/sync/credit-update", { token: await serviceToken(), body: { userId: user, newBalance: 1, change: 1, reason: "x" } });
    const d = await device(user, "d", { since: 1 });
    expect(d.catchUp.map((f) => f.type)).toEqual(["WELCOME", "STATE", "SYNCED"]);
    expect(d.catchUp[1]).toMatchObject({ state: {}, versions: {}, reset: false });
    d.client.close();
  });

  it("a since beyond the latest seq (another server's cursor) gets a full reset", async () => {
    const user = uniqueUser();
    await api("/api/sync/credit-update", { token: await serviceToken(), body: { userId: user, newBalance: 1, change: 1, reason: "x" } });
    const d = await device(user, "d", { since: 99 });
    expect(d.catchUp[0]).toMatchObject({ type: "WELCOME", resumed: false, seq: 1 });
    expect(d.catchUp[1]).toMatchObject({ type: "STATE", reset: true, state: { credits: { newBalance: 1, change: 1, reason: "x" } }, versions: { credits: 1 } });
    d.client.close();
  });

  it("STATE_SYNC answers with the full state", async () => {
    const user = uniqueUser();
    await api("/api/sync/credit-update", { token: await serviceToken(), body: { userId: user, newBalance: 3, change: 3, reason: "x" } });
    const d = await device(user, "d", { since: 1 });
    d.client.send({ type: "STATE_SYNC" });
    expect(await d.client.next("STATE")).toMatchObject({ seq: 1, reset: true, state: { credits: { newBalance: 3 } }, versions: { credits: 1 } });
    d.client.close();
  });
});
