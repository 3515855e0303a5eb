import { describe, expect, it } from "vitest";
import { evictDurableObject } from "cloudflare:test";
import { api, device, hubOf, serviceToken, uniqueUser, userToken } from "./helpers.js";
import { runningShoot, sqlNumber, writeShoots } from "./bounds-helpers.js";

const answers = (from: number, n: number, size = 4000) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`q${from + i}`, "a".repeat(size)]));

describe("state limits", () => {
  it("convergence answers stop at MAX_ANSWERS (200): the write past it is refused with STATE_TOO_LARGE (409) and changes nothing", async () => {
    const user = uniqueUser("answers");
    const token = await serviceToken();
    for (let i = 0; i < 4; i++) {
      const r = await api("/api/sync/state", { token, body: { userId: user, convergence: { answers: answers(i * 50, 50) } } });
      expect(r.status).toBe(202);
    }
    const over = await api("/api/sync/state", { token, body: { userId: user, limbic: { trust: 0.9 }, convergence: { answers: answers(200, 1) } } });
    expect(over).toMatchObject({ status: 409, json: { error: { code: "STATE_TOO_LARGE", retryable: false, message: "convergence.answers would have 201 keys; the limit is 200" } } });
    const me = await api("/api/me", { token: await userToken(user) });
    expect(me.json.seq).toBe(4);
    expect(Object.keys(me.json.state.convergence.answers).length).toBe(200);
    // The limbic part of the refused request was not applied either: the write is one transaction.
    expect(me.json.state.limbic).toBeUndefined();
    // Replacing an existing answer still passes.
    expect((await api("/api/sync/state", { token, body: { userId: user, convergence: { answers: { q0: "changed" } } } })).status).toBe(202);
    // A device meets the same limit, coded.
    const phone = await device(user, "phone");
    phone.client.send({ type: "CONVERGENCE_UPDATE", id: "c1", data: { answers: { extra: "x" } } });
    expect(await phone.client.next("ERROR")).toMatchObject({ type: "ERROR", id: "c1", code: "STATE_TOO_LARGE" });
    phone.client.close();
  });

  it("the whole state stops at MAX_STATE_BYTES (1 MiB): a growing write is refused with STATE_TOO_LARGE, a write that does not grow passes", async () => {
    const user = uniqueUser("bytes");
    const token = await serviceToken();
    for (let i = 0; i < 4; i++) await api("/api/sync/state", { token, body: { userId: user, convergence: { answers: answers(i * 50, 50) } } });
    // ~2.1 KB a shoot: the state passes 1 MiB after ~110 of them.
    const refused = await writeShoots(user, 200, (i) => runningShoot(`big${i}`, { errorMessage: "e".repeat(2000) }));
    expect(refused.length).toBeGreaterThan(0);
    expect(new Set(refused.map((r) => r.code))).toEqual(new Set(["STATE_TOO_LARGE"]));
    // Filled to within one shoot (~2.1 KB) of the bound, never past it.
    const bytes = await sqlNumber(user, "SELECT SUM(LENGTH(CAST(key AS BLOB)) + LENGTH(CAST(value AS BLOB)) + 4) AS n FROM state");
    expect(bytes).toBeLessThanOrEqual(1_048_576);
    expect(bytes).toBeGreaterThan(1_048_576 - 2_500);
    const seq = (await api("/api/me", { token: await userToken(user) })).json.seq;
    const http = await api("/api/sync/shoot-progress", { token, body: { userId: user, ...runningShoot("one-more", { errorMessage: "e".repeat(2000) }) } });
    expect(http).toMatchObject({ status: 409, json: { error: { code: "STATE_TOO_LARGE" } } });
    const me = await api("/api/me", { token: await userToken(user) });
    expect(me.json.seq).toBe(seq);
    expect(me.json.state["shoots.one-more"]).toBeUndefined();
    // The total is held in memory: a hub that wakes from eviction sums it again from the rows.
    await evictDurableObject(hubOf(user));
    expect((await api("/api/sync/shoot-progress", { token, body: { userId: user, ...runningShoot("one-more", { errorMessage: "e".repeat(2000) }) } })).status).toBe(409);
    // Not growing: a shoot replaced by a value of the same size.
    expect((await api("/api/sync/shoot-progress", { token, body: { userId: user, ...runningShoot("big0", { errorMessage: "f".repeat(2000) }) } })).status).toBe(202);
    // Deleting a key makes room.
    expect((await api(`/api/sync/users/${user}/state/convergence`, { method: "DELETE", token })).status).toBe(200);
    expect((await api("/api/sync/shoot-progress", { token, body: { userId: user, ...runningShoot("one-more", { errorMessage: "e".repeat(2000) }) } })).status).toBe(202);
  }, 60_000);
});
