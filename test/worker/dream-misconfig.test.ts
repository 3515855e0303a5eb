import { describe, expect, it } from "vitest";
import { api, device, serviceToken, uniqueUser } from "./helpers.js";
import { dreamsOf, stepUntil } from "./dream-helpers.js";

// Runs in the "worker-dream-misconfig" project: DREAM_PROCESSOR_URL is set and DREAM_PROCESSOR_SECRET
// is not. That is a configuration error, but one that only dream cycles may feel.
const PROBLEM = "dream processor misconfigured: DREAM_PROCESSOR_URL is set but DREAM_PROCESSOR_SECRET is not: give the processor a secret of its own";

describe("a misconfigured dream processor", () => {
  it("does not take down publishing, sockets or reads of the same hub", async () => {
    const user = uniqueUser("mis");
    const watcher = await device(user, "watcher");
    expect(watcher.catchUp[0]).toMatchObject({ type: "WELCOME", userId: user, deviceId: "watcher" });
    const post = await api("/api/sync/credit-update", { token: await serviceToken(), body: { userId: user, newBalance: 5, change: 5, reason: "still works" } });
    expect(post.status).toBe(202);
    expect(post.json).toEqual({ seq: 1, delivered: 1 });
    const read = await api(`/api/sync/users/${user}`, { token: await serviceToken() });
    expect(read.status).toBe(200);
    expect(read.json).toMatchObject({ seq: 1, state: { credits: { newBalance: 5 } } });
    watcher.client.close();
  });

  it("fails the dream cycle that needs it with DREAM_FAILED naming the problem", async () => {
    const user = uniqueUser("mis");
    const watcher = await device(user, "watcher");
    const start = await api("/api/sync/dream", { token: await serviceToken(), body: { userId: user } });
    expect(start.status).toBe(202);
    const { frames } = await stepUntil(user, watcher.client, "DREAM_FAILED", 20);
    const failed = frames.find((f) => f.type === "DREAM_FAILED")!;
    expect(failed).toMatchObject({ from: "dream", data: { cycleId: start.json.cycleId, error: PROBLEM } });
    expect(frames.map((f) => f.type)).not.toContain("DREAM_RESULT");
    expect((await dreamsOf(user))!.history).toEqual([expect.objectContaining({ cycleId: start.json.cycleId, status: "failed", error: PROBLEM })]);
    watcher.client.close();
  });
});
