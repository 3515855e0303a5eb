import { describe, expect, it } from "vitest";
import { api, device, serviceToken, uniqueUser, userToken } from "./helpers.js";
import { runningShoot, writeShoots } from "./bounds-helpers.js";

const MAX_SERVER_FRAME_BYTES = 1_048_576;
const answers = (from: number, n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`q${from + i}`, "a".repeat(4000)]));

/** A user at MAX_STATE_BYTES: 200 answers of 4,000 characters and shoots until the state is full. */
async function userAtTheLimit(label: string) {
  const user = uniqueUser(label);
  const token = await serviceToken();
  for (let i = 0; i < 4; i++) await api("/api/sync/state", { token, body: { userId: user, convergence: { answers: answers(i * 50, 50) } } });
  await writeShoots(user, 150, (i) => runningShoot(`big${i}`, { errorMessage: "e".repeat(2000) }));
  return user;
}

describe("split STATE frames", () => {
  it("a STATE over MAX_SERVER_FRAME_BYTES comes in parts (part/more), each within the bound, before SYNCED; they reassemble to the whole state", async () => {
    const user = await userAtTheLimit("parts");
    const me = await api("/api/me", { token: await userToken(user) });
    expect(me.status).toBe(200);
    expect(JSON.stringify(me.json).length).toBeLessThan(MAX_SERVER_FRAME_BYTES + 65_536);
    const d = await device(user, "phone");
    const types = d.catchUp.map((f) => f.type);
    const parts = d.catchUp.filter((f) => f.type === "STATE");
    expect(parts.length).toBeGreaterThan(1);
    expect(types).toEqual(["WELCOME", ...parts.map(() => "STATE"), "SYNCED"]);
    parts.forEach((p, i) => {
      expect(JSON.stringify(p).length).toBeLessThanOrEqual(MAX_SERVER_FRAME_BYTES);
      expect(p).toMatchObject({ part: i + 1, more: i < parts.length - 1, reset: i === 0, seq: me.json.seq });
    });
    // Critical keys come first; the devices come with the last part.
    expect(Object.keys(parts[0]!.state as object)[0]).toBe("convergence");
    expect(parts.at(-1)).toHaveProperty("devices");
    const state = Object.assign({}, ...parts.map((p) => p.state));
    const versions = Object.assign({}, ...parts.map((p) => p.versions));
    expect(state).toEqual(me.json.state);
    expect(versions).toEqual(me.json.versions);
    // STATE_SYNC answers in parts too.
    d.client.send({ type: "STATE_SYNC", id: "s1", data: {} });
    const again: Record<string, unknown>[] = [];
    for (;;) {
      const f = await d.client.next();
      if (f.type === "STATE") again.push(f);
      if (f.type === "ACCEPTED") break;
    }
    expect(again.length).toBe(parts.length);
    d.client.close();
  }, 60_000);

  it("a small STATE keeps the v1 shape: no part, no more", async () => {
    const user = uniqueUser("small");
    await api("/api/sync/state", { token: await serviceToken(), body: { userId: user, limbic: { trust: 0.3 } } });
    const d = await device(user, "phone");
    expect(Object.keys(d.catchUp[1]!).sort()).toEqual(["devices", "reset", "seq", "state", "type", "versions"]);
    d.client.close();
  });
});
