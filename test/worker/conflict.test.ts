import { describe, expect, it } from "vitest";
import { device, uniqueUser } from "./helpers.js";

describe("optimistic concurrency (baseVersion)", () => {
  it("applies an update whose baseVersion is current, refuses a stale one with CONFLICT and the current value", async () => {
    const user = uniqueUser();
    const a = await device(user, "a");
    const b = await device(user, "b");
    a.client.drain();
    b.client.drain();
    // Nothing written yet: version 0.
    a.client.send({ type: "CONVERGENCE_UPDATE", id: "1", baseVersion: 0, data: { progress: 0.2, answers: { q1: "yes" } } });
    expect(await a.client.next()).toEqual({ type: "ACCEPTED", id: "1", seq: 1, ts: expect.any(Number) });
    expect(await b.client.next("CONVERGENCE_UPDATE")).toMatchObject({ seq: 1 });
    // b, which saw version 1, moves it on.
    b.client.send({ type: "CONVERGENCE_UPDATE", id: "2", baseVersion: 1, data: { progress: 0.3, answers: { q2: "no" } } });
    expect(await b.client.next()).toEqual({ type: "ACCEPTED", id: "2", seq: 2, ts: expect.any(Number) });
    // a still thinks version 1 is current: refused, nothing applied, nothing broadcast.
    a.client.send({ type: "CONVERGENCE_UPDATE", id: "3", baseVersion: 1, data: { progress: 0.9 } });
    const conflict = await a.client.next("ERROR");
    expect(conflict).toEqual({
      type: "ERROR", id: "3", code: "CONFLICT", retryable: false, message: "convergence has changed since version 1", currentVersion: 2,
      current: { currentQuestion: 1, progress: 0.3, connectionStrength: 0, imprintingLevel: 0, synchronization: 0, heartResonance: 0, answers: { q1: "yes", q2: "no" }, completed: false },
    });
    // Without baseVersion, the last write wins.
    a.client.send({ type: "CONVERGENCE_UPDATE", id: "4", data: { progress: 0.9 } });
    expect(await a.client.next()).toEqual({ type: "ACCEPTED", id: "4", seq: 3, ts: expect.any(Number) });
    expect(b.client.drain().filter((f) => f.type === "CONVERGENCE_UPDATE").map((f) => f.seq)).toEqual([3]);
    a.client.close();
    b.client.close();
  });

  it("a conflicting id retried gets the same CONFLICT, not a second try", async () => {
    const user = uniqueUser();
    const a = await device(user, "a");
    a.client.send({ type: "POSTURE_CHANGE", id: "p1", data: { posture: "peer" } });
    await a.client.next("ACCEPTED");
    a.client.send({ type: "POSTURE_CHANGE", id: "p2", baseVersion: 0, data: { posture: "expert" } });
    const first = await a.client.next("ERROR");
    a.client.send({ type: "POSTURE_CHANGE", id: "p2", baseVersion: 1, data: { posture: "expert" } });
    expect(await a.client.next()).toEqual(first);
    a.client.close();
  });
});
