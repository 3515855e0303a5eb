import { describe, expect, it } from "vitest";
import { routeFrame, type FrameHandlers } from "../../client/frame-router.js";

/** Handlers that record what they were given, by name. */
function recorder() {
  const calls: unknown[][] = [];
  const rec = (name: string) => (...args: unknown[]) => void calls.push([name, ...args]);
  const h: FrameHandlers = {
    pong: rec("pong"), welcome: rec("welcome"), state: rec("state"), event: rec("event"), events: rec("events"), synced: rec("synced"),
    accepted: rec("accepted"), error: rec("error"), device: rec("device"), ignored: rec("ignored"),
  };
  return { calls, h };
}

describe("frame router", () => {
  it("hands each frame of the contract to its handler, parsed", () => {
    const { calls, h } = recorder();
    const device = { deviceId: "d", platform: "web", online: true, connections: 1, lastSeen: 1, ackedSeq: 0 };
    for (const f of [
      "pong",
      { type: "SYNCED", seq: 4 },
      { type: "ACCEPTED", id: "m-1", seq: 5, ts: 9, cycleId: "c1" },
      { type: "ERROR", id: "m-2", code: "CONFLICT", message: "newer", currentVersion: 3 },
      { type: "LIMBIC_UPDATE", seq: 6, ts: 10, from: "x", data: { trust: 0.1 } },
      { type: "DEVICE_CONNECTED", device },
    ]) routeFrame(typeof f === "string" ? f : JSON.stringify(f), h);
    expect(calls).toEqual([
      ["pong"],
      ["synced", 4],
      ["accepted", { type: "ACCEPTED", id: "m-1", seq: 5, ts: 9, cycleId: "c1" }],
      ["error", { type: "ERROR", id: "m-2", code: "CONFLICT", message: "newer", currentVersion: 3 }],
      ["event", { type: "LIMBIC_UPDATE", seq: 6, ts: 10, from: "x", data: { trust: 0.1 } }],
      ["device", "DEVICE_CONNECTED", device],
    ]);
  });

  it("drops what is not text, not JSON or not in the contract, and says why", () => {
    const { calls, h } = recorder();
    routeFrame(new ArrayBuffer(2), h);
    routeFrame("{nope", h);
    routeFrame(JSON.stringify({ type: "SYNCED", seq: "four" }), h);
    expect(calls.map((c) => c.slice(0, 2))).toEqual([
      ["ignored", "a binary frame"], ["ignored", "a frame that is not JSON"], ["ignored", "a frame that does not match the contract"],
    ]);
  });
});
