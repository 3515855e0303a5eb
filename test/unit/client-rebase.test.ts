import { describe, expect, it } from "vitest";
import { Outbox, type OutboxEntry } from "../../client/outbox.js";
import { changedFields, editedFields, overlappingFields, withoutFields } from "../../client/rebase.js";

const LIMBIC = { trust: 0.5, warmth: 0.5, arousal: 0.5, valence: 0.5, posture: 0.5, empathy: 0.5, intuition: 0.5, creativity: 0.5, wisdom: 0.5, humor: 0.5 };

describe("rebase: which fields a queued edit and a newer change share", () => {
  it("limbic is field-wise: a newer trust does not touch an edit of warmth", () => {
    const current = { ...LIMBIC, trust: 0.8 };
    expect(changedFields("limbic", LIMBIC, current)).toEqual(["trust"]);
    expect(overlappingFields("limbic", { warmth: 0.3 }, LIMBIC, current)).toEqual([]);
    expect(overlappingFields("limbic", { trust: 0.1, warmth: 0.3 }, LIMBIC, current)).toEqual(["trust"]);
  });

  it("a key with no value at the edit reads as its defaults", () => {
    expect(changedFields("limbic", undefined, { ...LIMBIC, humor: 0.9 })).toEqual(["humor"]);
    expect(overlappingFields("limbic", { trust: 0.2 }, undefined, { ...LIMBIC, humor: 0.9 })).toEqual([]);
  });

  it("convergence answers are one field each", () => {
    const base = { currentQuestion: 1, progress: 0, answers: { q1: "yes" } };
    const current = { currentQuestion: 1, progress: 0.2, answers: { q1: "yes", q2: "no" } };
    expect(changedFields("convergence", base, current)).toEqual(["progress", "answers.q2"]);
    expect(editedFields("convergence", { answers: { q2: "maybe", q3: "x" } })).toEqual(["answers.q2", "answers.q3"]);
    expect(overlappingFields("convergence", { answers: { q2: "maybe", q3: "x" } }, base, current)).toEqual(["answers.q2"]);
    expect(withoutFields("convergence", { progress: 0.5, answers: { q2: "maybe", q3: "x" } }, ["answers.q2"])).toEqual({ progress: 0.5, answers: { q3: "x" } });
  });

  it("posture and shoots are whole values: any newer change overlaps, and nothing is left without it", () => {
    const base = { posture: "peer", changedAt: 1 };
    expect(overlappingFields("posture", { posture: "companion" }, base, { posture: "copilot", changedAt: 2 })).toEqual(["posture"]);
    expect(overlappingFields("posture", { posture: "companion" }, base, base)).toEqual([]);
    expect(overlappingFields("shoots.s1", { processedCount: 3 }, undefined, { processedCount: 2 })).toEqual(["shoots.s1"]);
    expect(withoutFields("posture", { posture: "companion" }, ["posture"])).toBeNull();
    expect(withoutFields("limbic", { trust: 0.1 }, ["trust"])).toBeNull();
    expect(withoutFields("limbic", { trust: 0.1, warmth: 0.3 }, ["trust"])).toEqual({ warmth: 0.3 });
  });
});

describe("outbox: the order of conflict-aware edits", () => {
  const edit = (id: string, key: string, extra: Partial<OutboxEntry> = {}): OutboxEntry => ({ id, type: "LIMBIC_UPDATE", data: {}, createdAt: 0, baseVersion: 1, auto: { key }, guarded: true, ...extra });

  it("a guarded edit waits for the earlier edits of its key; other keys go", () => {
    const box = new Outbox(10, () => {});
    box.add(edit("a", "limbic"));
    box.add(edit("b", "limbic"));
    box.add(edit("c", "posture"));
    expect(box.nextUnsent()?.id).toBe("a");
    box.markSent("a");
    expect(box.nextUnsent()?.id).toBe("c");
    box.markSent("c");
    expect(box.nextUnsent()).toBeUndefined();
    box.take("a");
    expect(box.nextUnsent()?.id).toBe("b");
  });

  it("a held edit holds back its key until it is resolved; a new id moves the waiter", async () => {
    const box = new Outbox(10, () => {});
    let resolved = "";
    box.add(edit("a", "limbic", { held: true }), { resolve: (r) => (resolved = r.id), reject: () => {} });
    box.add(edit("b", "limbic", { guarded: false }));
    box.add(edit("c", "convergence"));
    expect(box.nextUnsent()?.id).toBe("c");
    box.update("a", { id: "a2", held: false, baseVersion: 5 });
    expect(box.get("a2")).toMatchObject({ baseVersion: 5 });
    expect(box.get("a2")).not.toHaveProperty("held");
    expect(box.nextUnsent()?.id).toBe("a2");
    box.take("a2")!.waiter!.resolve({ id: "a2", duplicate: false });
    expect(resolved).toBe("a2");
  });

  it("a reconnect guards the live edits still unanswered; a rate limit does not; a restore un-holds", () => {
    const saved: OutboxEntry[][] = [];
    const box = new Outbox(10, (e) => saved.push([...e]));
    box.add(edit("live", "limbic", { guarded: false }));
    box.unsendAll(false);
    expect(box.get("live")?.guarded).toBe(false);
    box.unsendAll();
    expect(box.get("live")?.guarded).toBe(true);
    const other = new Outbox(10, () => {});
    other.restore([edit("x", "posture", { held: true, guarded: false })]);
    expect(other.get("x")).toEqual(edit("x", "posture", { guarded: true }));
  });
});
