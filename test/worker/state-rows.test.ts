// The rows StateStore keeps in memory (a write reads its key without SQLite) must always be the
// stored rows: after a rolled-back write, after least-recently-used rows went, after removals.
import { describe, expect, it } from "vitest";
import { ROW_CACHE_CHARS, ROW_CACHE_ENTRIES } from "../../durable-objects/state-store.js";
import { api, serviceToken, uniqueUser, userToken } from "./helpers.js";

const shootItem = (userId: string, shootId: string, processedCount: number, status = "processing") =>
  ({ userId, type: "SHOOT_PROGRESS", data: { shootId, status, processedCount, totalCount: 100 } });

async function stateOf(userId: string) {
  const me = await api("/api/me", { token: await userToken(userId) });
  expect(me.status).toBe(200);
  return me.json as { seq: number; state: Record<string, Record<string, unknown>>; versions: Record<string, number> };
}

describe("the state rows a hub keeps in memory", () => {
  it("a write rolled back after its staged values reached the store leaves no trace in the next write", async () => {
    const user = uniqueUser("rows-rollback");
    const token = await serviceToken();
    expect((await api("/api/sync/state", { token, body: { userId: user, limbic: { trust: 0.3 } } })).status).toBe(202);
    // limbic is staged, the new shoot writes it to the store (a shoot's room is counted from the
    // store), then 201 answers refuse the whole write: one transaction, rolled back.
    const answers = Object.fromEntries(Array.from({ length: 201 }, (_, i) => [`q${i}`, "a"]));
    const refused = await api("/api/sync/batch", {
      token,
      body: { events: [
        { userId: user, type: "LIMBIC_UPDATE", data: { trust: 0.9 } },
        shootItem(user, "s1", 1),
        { userId: user, type: "CONVERGENCE_UPDATE", data: { answers } },
      ] },
    });
    expect(refused.status).toBe(202);
    expect((refused.json as { results: { error?: { code: string } }[] }).results.map((r) => r.error?.code)).toEqual(["STATE_TOO_LARGE", "STATE_TOO_LARGE", "STATE_TOO_LARGE"]);
    // The next write reduces limbic from the stored value (trust 0.3), not the rolled-back 0.9.
    const next = await api("/api/sync/state", { token, body: { userId: user, limbic: { warmth: 0.4 } } });
    expect(next.status).toBe(202);
    expect((next.json as { seq: number }).seq).toBe(2);
    const { state, versions } = await stateOf(user);
    expect(state.limbic).toMatchObject({ trust: 0.3, warmth: 0.4 });
    expect(versions.limbic).toBe(2);
    expect(state["shoots.s1"]).toBeUndefined();
    // A CAS write judges the version the store holds.
    const guarded = await api("/api/sync/batch", { token, body: { events: [shootItem(user, "s1", 5)] } });
    expect((guarded.json as { results: { seq: number }[] }).results[0]!.seq).toBe(3);
  });

  it(`more keys than the ${ROW_CACHE_ENTRIES} rows kept: rows read back from SQLite reduce exactly`, async () => {
    const user = uniqueUser("rows-lru");
    const token = await serviceToken();
    const n = ROW_CACHE_ENTRIES + 44;
    const created = await api("/api/sync/batch", { token, body: { events: Array.from({ length: n }, (_, i) => shootItem(user, `s${i}`, 1)) } });
    expect(created.status).toBe(202);
    // s0..s43 left the kept rows when the later shoots came; these writes read them from SQLite.
    const moved = await api("/api/sync/batch", { token, body: { events: Array.from({ length: n }, (_, i) => shootItem(user, `s${i}`, i % 2 ? 50 : 100, i % 2 ? "processing" : "completed")) } });
    expect((moved.json as { results: { seq?: number }[] }).results.every((r) => typeof r.seq === "number")).toBe(true);
    const { state, versions } = await stateOf(user);
    for (let i = 0; i < n; i++) {
      expect(state[`shoots.s${i}`]).toMatchObject({ processedCount: i % 2 ? 50 : 100, status: i % 2 ? "processing" : "completed" });
      expect(versions[`shoots.s${i}`]).toBe(n + i + 1);
    }
  });

  it(`a value larger than the ${ROW_CACHE_CHARS} characters kept is read from SQLite by each write, and reduces exactly`, async () => {
    const user = uniqueUser("rows-large");
    const token = await serviceToken();
    const answers = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`q${i}`, "a".repeat(1000)]));
    expect((await api("/api/sync/state", { token, body: { userId: user, convergence: { answers } } })).status).toBe(202);
    expect((await api("/api/sync/state", { token, body: { userId: user, convergence: { answers: { extra: "b" } } } })).status).toBe(202);
    const { state, versions } = await stateOf(user);
    const kept = state.convergence!.answers as Record<string, string>;
    expect(JSON.stringify(kept).length).toBeGreaterThan(ROW_CACHE_CHARS);
    expect(Object.keys(kept)).toHaveLength(41);
    expect(kept.extra).toBe("b");
    expect(versions.convergence).toBe(2);
  });

  it("a removed key is gone for the next write too: it reduces from nothing", async () => {
    const user = uniqueUser("rows-removed");
    const token = await serviceToken();
    await api("/api/sync/state", { token, body: { userId: user, limbic: { trust: 0.3 } } });
    const gone = await api(`/api/sync/users/${user}/state/limbic`, { method: "DELETE", token });
    expect(gone.status).toBe(200);
    await api("/api/sync/state", { token, body: { userId: user, limbic: { warmth: 0.4 } } });
    const { state, versions } = await stateOf(user);
    // From nothing, every other dimension is the default 0.5: the removed 0.3 is not reduced from.
    expect(state.limbic).toMatchObject({ trust: 0.5, warmth: 0.4 });
    expect(versions.limbic).toBe(3);
  });
});
