import { describe, expect, it } from "vitest";
import { LIMBIC_DEFAULTS } from "../../protocol/index.js";
import { api, device, serviceToken, uniqueUser, userToken } from "./helpers.js";

describe("live state: limbic, convergence, posture", () => {
  it("a limbic update from one device reaches the other at once and is merged into the state", async () => {
    const user = uniqueUser("ls");
    const phone = await device(user, "phone");
    const laptop = await device(user, "laptop");
    phone.client.send({ type: "LIMBIC_UPDATE", id: "l1", data: { trust: 0.9, warmth: 0.8 } });
    expect(await phone.client.next("ACCEPTED")).toEqual({ type: "ACCEPTED", id: "l1", seq: 1, ts: expect.any(Number) });
    expect(await laptop.client.next("LIMBIC_UPDATE")).toEqual({ type: "LIMBIC_UPDATE", seq: 1, ts: expect.any(Number), from: "phone", data: { trust: 0.9, warmth: 0.8 } });
    laptop.client.send({ type: "LIMBIC_UPDATE", id: "l2", data: { warmth: 0.1 } });
    expect(await laptop.client.next("ACCEPTED")).toEqual({ type: "ACCEPTED", id: "l2", seq: 2, ts: expect.any(Number) });
    expect((await phone.client.next("LIMBIC_UPDATE")).data).toEqual({ warmth: 0.1 });
    const me = await api("/api/me", { token: await userToken(user) });
    expect(me.json.state.limbic).toEqual({ ...LIMBIC_DEFAULTS, trust: 0.9, warmth: 0.1 });
    phone.client.close();
    laptop.client.close();
  });

  it("refuses values outside [0, 1], unknown fields and empty updates, naming each issue; nothing is written", async () => {
    const user = uniqueUser("ls");
    const phone = await device(user, "phone");
    phone.client.send({ type: "LIMBIC_UPDATE", id: "a", data: { arousal: -0.1 } });
    expect(await phone.client.next()).toEqual({ type: "ERROR", id: "a", code: "INVALID_MESSAGE", retryable: false, message: "invalid LIMBIC_UPDATE data", issues: [{ path: "data.arousal", message: expect.any(String) }] });
    phone.client.send({ type: "CONVERGENCE_UPDATE", id: "b", data: { progress: 0.5, currentQuestion: 0, mood: "x" } });
    const b = await phone.client.next();
    expect(b).toMatchObject({ type: "ERROR", id: "b", code: "INVALID_MESSAGE" });
    expect((b.issues as { path: string }[]).map((i) => i.path).sort()).toEqual(["data", "data.currentQuestion"]);
    phone.client.send({ type: "POSTURE_CHANGE", id: "c", data: { posture: "boss" } });
    expect(await phone.client.next()).toMatchObject({ type: "ERROR", id: "c", code: "INVALID_MESSAGE", issues: [{ path: "data.posture", message: expect.any(String) }] });
    phone.client.send({ type: "LIMBIC_UPDATE", id: "d", data: {} });
    expect(await phone.client.next()).toMatchObject({ type: "ERROR", id: "d", code: "INVALID_MESSAGE", issues: [{ path: "data", message: "at least one field is required" }] });
    const r = await api(`/api/sync/users/${user}`, { token: await serviceToken() });
    expect(r.json).toMatchObject({ seq: 0, state: {} });
    phone.client.close();
  });

  it("convergence answers merge key by key; posture keeps its history of changes", async () => {
    const user = uniqueUser("ls");
    const phone = await device(user, "phone");
    phone.client.send({ type: "CONVERGENCE_UPDATE", id: "c1", data: { currentQuestion: 2, progress: 0.1, answers: { q1: "yes" } } });
    await phone.client.next("ACCEPTED");
    phone.client.send({ type: "CONVERGENCE_UPDATE", id: "c2", data: { progress: 0.2, answers: { q2: "no" } } });
    await phone.client.next("ACCEPTED");
    phone.client.send({ type: "POSTURE_CHANGE", id: "p1", data: { posture: "peer", reason: "chatting", confidence: 0.6 } });
    await phone.client.next("ACCEPTED");
    const token = await serviceToken();
    const svc = await api("/api/sync/state", { token, body: { userId: user, posture: { posture: "expert", reason: "deep work" } } });
    expect(svc).toMatchObject({ status: 202, json: { seq: 4, seqs: [4], delivered: 1 } });
    const state = (await api(`/api/sync/users/${user}`, { token })).json.state;
    expect(state.convergence).toEqual({
      currentQuestion: 2, progress: 0.2, connectionStrength: 0, imprintingLevel: 0, synchronization: 0, heartResonance: 0,
      answers: { q1: "yes", q2: "no" }, completed: false,
    });
    expect(state.posture).toEqual({
      posture: "expert", reason: "deep work", changedAt: expect.any(Number), by: "test-service",
      history: [
        { from: null, to: "peer", reason: "chatting", confidence: 0.6, at: expect.any(Number), by: "phone", seq: 3 },
        { from: "peer", to: "expert", reason: "deep work", at: expect.any(Number), by: "test-service", seq: 4 },
      ],
    });
    phone.client.close();
  });

  it("baseVersion: a stale version is refused with CONFLICT and the current value; the right one wins; without it the last write wins", async () => {
    const user = uniqueUser("ls");
    const phone = await device(user, "phone");
    const laptop = await device(user, "laptop");
    phone.client.send({ type: "LIMBIC_UPDATE", id: "v1", data: { trust: 0.7 } });
    await phone.client.next("ACCEPTED");
    await laptop.client.next("LIMBIC_UPDATE");
    phone.client.send({ type: "LIMBIC_UPDATE", id: "v2", baseVersion: 1, data: { trust: 0.6 } });
    expect(await phone.client.next("ACCEPTED")).toEqual({ type: "ACCEPTED", id: "v2", seq: 2, ts: expect.any(Number) });
    laptop.client.send({ type: "LIMBIC_UPDATE", id: "stale", baseVersion: 1, data: { trust: 0.1 } });
    expect(await laptop.client.next("ERROR")).toEqual({
      type: "ERROR", id: "stale", code: "CONFLICT", retryable: false, message: "limbic has changed since version 1",
      current: { ...LIMBIC_DEFAULTS, trust: 0.6 }, currentVersion: 2,
    });
    laptop.client.send({ type: "LIMBIC_UPDATE", id: "blind", data: { trust: 0.3 } });
    expect(await laptop.client.next("ACCEPTED")).toEqual({ type: "ACCEPTED", id: "blind", seq: 3, ts: expect.any(Number) });
    const state = (await api(`/api/sync/users/${user}`, { token: await serviceToken() })).json;
    expect(state.state.limbic.trust).toBe(0.3);
    expect(state.versions.limbic).toBe(3);
    phone.client.close();
    laptop.client.close();
  });

  it("catch-up sends the critical keys first, in the STATE frame, before any other key", async () => {
    const user = uniqueUser("ls");
    const token = await serviceToken();
    await api("/api/sync/credit-update", { token, body: { userId: user, newBalance: 5, change: 5, reason: "gift" } });
    await api("/api/sync/shoot-progress", { token, body: { userId: user, shootId: "s1", status: "processing", processedCount: 1, totalCount: 3 } });
    await api("/api/sync/dream", { token, body: { userId: user } });
    await api("/api/sync/state", { token, body: { userId: user, posture: { posture: "copilot" }, convergence: { progress: 0.4 }, limbic: { humor: 0.9 } } });
    const fresh = await device(user, "tablet");
    const state = fresh.catchUp.find((f) => f.type === "STATE")!;
    expect(Object.keys(state.state as object)).toEqual(["limbic", "convergence", "posture", "credits", "dreams", "shoots.s1"]);
    // Resuming after the credit update: only what changed since, critical keys still first.
    const resumed = await device(user, "phone", { since: 1 });
    const changed = resumed.catchUp.find((f) => f.type === "STATE")!;
    expect(Object.keys(changed.state as object)).toEqual(["limbic", "convergence", "posture", "dreams", "shoots.s1"]);
    expect(changed.reset).toBe(false);
    fresh.client.close();
    resumed.client.close();
  });
});
