import { describe, expect, it } from "vitest";
import { PHASE_TRANSITIONS, PhaseMachine, statusOf, type NervePhase, type PhaseChange } from "../../client/phase.js";

describe("phase machine", () => {
  it("emits {from, to, reason} for a change, nothing for the same phase, and refuses an illegal one", () => {
    const changes: PhaseChange[] = [];
    const illegal: string[] = [];
    const m = new PhaseMachine((c) => changes.push(c), (msg) => illegal.push(msg));
    expect(m.to("connecting", "connect")).toBe(true);
    expect(m.to("connecting", "restart")).toBe(false);
    expect(m.to("synced", "synced")).toBe(false); // not before WELCOME
    expect(m.to("catching-up", "welcome")).toBe(true);
    expect(m.to("synced", "synced")).toBe(true);
    expect(m.to("reconnecting", "connection-lost", { code: 1006, reason: "network dropped" })).toBe(true);
    expect(m.to("closed", "client-closed")).toBe(true);
    expect(m.to("connecting", "restart")).toBe(false); // closed is final
    expect(changes).toEqual([
      { from: "idle", to: "connecting", reason: "connect" },
      { from: "connecting", to: "catching-up", reason: "welcome" },
      { from: "catching-up", to: "synced", reason: "synced" },
      { from: "synced", to: "reconnecting", reason: "connection-lost", close: { code: 1006, reason: "network dropped" } },
      { from: "reconnecting", to: "closed", reason: "client-closed" },
    ]);
    expect(illegal).toEqual(["nerve: illegal phase change connecting -> synced (synced) ignored", "nerve: illegal phase change closed -> connecting (restart) ignored"]);
    expect(m.phase).toBe("closed");
  });

  it("reaches synced only through catching-up; every phase but closed can be left; status is derived", () => {
    const phases = Object.keys(PHASE_TRANSITIONS) as NervePhase[];
    expect(phases.filter((p) => PHASE_TRANSITIONS[p].includes("synced"))).toEqual(["catching-up"]);
    expect(phases.filter((p) => PHASE_TRANSITIONS[p].length === 0)).toEqual(["closed"]);
    expect(phases.filter((p) => p !== "closed" && !PHASE_TRANSITIONS[p].includes("closed"))).toEqual([]);
    expect(phases.map((p) => [p, statusOf(p)])).toEqual([
      ["idle", "closed"], ["connecting", "connecting"], ["catching-up", "connected"], ["synced", "connected"],
      ["reconnecting", "reconnecting"], ["offline", "offline"], ["refused", "closed"], ["closed", "closed"],
    ]);
  });
});
