import { describe, expect, it } from "vitest";
import { createNerveClient, memoryStorage, type ConflictEvent, type NerveClient } from "../../client/index.js";
import { selfWebSocket, waitFor } from "./client-harness.js";
import { api, uniqueUser, userToken } from "./helpers.js";

const URL_ = "wss://nerve.test/ws";
const FAST = { backoff: { minDelayMs: 10, maxDelayMs: 40 } };

/** Two SDK clients of one user against the real hub; the phone's network can be cut. */
async function twoDevices() {
  const user = uniqueUser();
  let down = false;
  const phoneNet = selfWebSocket({ down: () => down });
  const phone = createNerveClient({ url: URL_, getToken: () => userToken(user), deviceId: "phone", storage: memoryStorage(), WebSocket: phoneNet, maxRetries: 0, ...FAST });
  const desktop = createNerveClient({ url: URL_, getToken: () => userToken(user), deviceId: "desktop", storage: memoryStorage(), WebSocket: selfWebSocket() });
  await Promise.all([phone.whenSynced(), desktop.whenSynced()]);
  return {
    user, phone, desktop, phoneNet,
    goOffline: async () => {
      down = true;
      phoneNet.sockets.at(-1)!.drop();
      await waitFor(() => phone.status === "offline", "phone offline");
    },
    goOnline: () => {
      down = false;
      phone.reconnect();
    },
  };
}

const limbic = (c: NerveClient) => c.state.limbic;

describe("client: conflict-aware queued edits", () => {
  it("the offline two-device scenario: no silent overwrite, disjoint fields merged, overlaps raised, the resolution reaches both", async () => {
    const { user, phone, desktop, phoneNet, goOffline, goOnline } = await twoDevices();
    await desktop.send("LIMBIC_UPDATE", { trust: 0.5 });
    await desktop.send("POSTURE_CHANGE", { posture: "peer" });
    await waitFor(() => phone.versions.posture === 2, "the phone sees version 2");
    await goOffline();

    // The phone, offline: a disjoint limbic field, an overlapping one, the posture, and an untouched key.
    const warmth = phone.send("LIMBIC_UPDATE", { warmth: 0.3 });
    const trust = phone.send("LIMBIC_UPDATE", { trust: 0.1 }).catch((e: unknown) => e);
    const posture = phone.send("POSTURE_CHANGE", { posture: "companion" });
    const progress = phone.send("CONVERGENCE_UPDATE", { progress: 0.4 });
    // The desktop, later, online.
    const t80 = await desktop.send("LIMBIC_UPDATE", { trust: 0.8 });
    const copilot = await desktop.send("POSTURE_CHANGE", { posture: "copilot" });

    const conflicts: ConflictEvent[] = [];
    phone.on("conflict", (c) => conflicts.push(c));
    goOnline();
    await waitFor(() => conflicts.length === 2, "two conflicts");
    expect(conflicts.map(({ key, fields, mine, theirsVersion, theirsFrom }) => ({ key, fields, mine, theirsVersion, theirsFrom }))).toEqual([
      { key: "limbic", fields: ["trust"], mine: { trust: 0.1 }, theirsVersion: t80.seq, theirsFrom: undefined },
      { key: "posture", fields: ["posture"], mine: { posture: "companion" }, theirsVersion: copilot.seq, theirsFrom: "desktop" },
    ]);
    expect(conflicts[0]!.theirs).toMatchObject({ trust: 0.8, warmth: 0.5 });
    expect(conflicts[1]!.theirs).toMatchObject({ posture: "copilot", by: "desktop" });
    expect(conflicts[1]!.theirsAt).toEqual(expect.any(Number));

    // The disjoint edits went through on their own; nothing newer was overwritten.
    expect((await warmth).seq).toBeGreaterThan(copilot.seq!);
    expect((await progress).seq).toEqual(expect.any(Number));
    await waitFor(() => desktop.state.limbic?.warmth === 0.3 && desktop.state.convergence?.progress === 0.4, "the desktop gets the merged fields");
    expect(limbic(desktop)).toMatchObject({ trust: 0.8, warmth: 0.3 });
    expect(desktop.state.posture?.posture).toBe("copilot");
    expect(limbic(phone)).toMatchObject({ trust: 0.8, warmth: 0.3 });
    expect(phone.getSnapshot().pending).toBe(2); // the two held edits

    // The app chooses: the desktop's trust stays, the phone's posture wins.
    conflicts[0]!.resolve("theirs");
    conflicts[1]!.resolve("mine");
    conflicts[1]!.resolve("theirs"); // only the first call counts
    expect(await trust).toMatchObject({ code: "CONFLICT", current: { trust: 0.8 } });
    const mine = await posture;
    await waitFor(() => desktop.state.posture?.posture === "companion", "the resolution reaches the desktop");
    expect(phone.getSnapshot().pending).toBe(0);
    const me = (await api("/api/me", { token: await userToken(user) })).json;
    expect(desktop.state).toEqual(me.state);
    await waitFor(() => phone.seq === me.seq, "the phone at the last seq");
    expect(phone.state).toEqual(me.state);
    expect(me.state.limbic).toMatchObject({ trust: 0.8, warmth: 0.3 });
    expect(me.state.posture.history.map((h: { to: string; by: string; seq: number }) => [h.to, h.by, h.seq])).toEqual([
      ["peer", "desktop", 2], ["copilot", "desktop", copilot.seq], ["companion", "phone", mine.seq],
    ]);
    // The queued edits went with their baseVersion; the live ones before the cut without.
    const sent = phoneNet.sockets.flatMap((s) => s.sent).filter((f) => f.startsWith("{")).map((f) => JSON.parse(f) as { type: string; baseVersion?: number; data?: unknown });
    expect(sent.filter((f) => f.type === "CONVERGENCE_UPDATE").map((f) => f.baseVersion)).toEqual([0]);
    await Promise.all([phone.close(), desktop.close()]);
  });

  it("with no conflict listener, the newer change stands and the queued edit's promise rejects with CONFLICT", async () => {
    const { phone, desktop, goOffline, goOnline } = await twoDevices();
    await goOffline();
    const edit = phone.send("LIMBIC_UPDATE", { trust: 0.1, humor: 0.9 }).catch((e: unknown) => e);
    await desktop.send("LIMBIC_UPDATE", { trust: 0.8 });
    goOnline();
    // The overlap (trust) is dropped, and the disjoint rest of the same edit (humor) is still sent.
    await waitFor(() => desktop.state.limbic?.humor === 0.9, "the disjoint rest reaches the desktop");
    expect(await edit).toEqual(expect.objectContaining({ seq: expect.any(Number) }));
    expect(limbic(desktop)).toMatchObject({ trust: 0.8, humor: 0.9 });

    await goOffline();
    const lost = phone.send("LIMBIC_UPDATE", { trust: 0.2 }).catch((e: unknown) => e);
    await desktop.send("LIMBIC_UPDATE", { trust: 0.9 });
    goOnline();
    expect(await lost).toMatchObject({ code: "CONFLICT", current: { trust: 0.9 } });
    await waitFor(() => phone.state.limbic?.trust === 0.9, "the phone shows theirs");
    expect(limbic(desktop)).toMatchObject({ trust: 0.9, humor: 0.9 });
    await Promise.all([phone.close(), desktop.close()]);
  });

  it("several queued edits of one key are sent one after another, each rebased on the one before (no self-conflict)", async () => {
    const { phone, desktop, goOffline, goOnline } = await twoDevices();
    const conflicts: ConflictEvent[] = [];
    phone.on("conflict", (c) => conflicts.push(c));
    await goOffline();
    const a = phone.send("LIMBIC_UPDATE", { trust: 0.1 });
    const b = phone.send("LIMBIC_UPDATE", { trust: 0.2 });
    const c = phone.send("CONVERGENCE_UPDATE", { answers: { q1: "yes" } });
    const d = phone.send("CONVERGENCE_UPDATE", { answers: { q1: "no" } });
    goOnline();
    const seqs = (await Promise.all([a, b, c, d])).map((r) => r.seq);
    expect(seqs.every((s) => typeof s === "number")).toBe(true);
    expect(conflicts).toEqual([]);
    await waitFor(() => desktop.state.limbic?.trust === 0.2 && desktop.state.convergence?.answers.q1 === "no", "the last edits win");
    await Promise.all([phone.close(), desktop.close()]);
  });
});
