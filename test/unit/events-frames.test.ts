import { describe, expect, it } from "vitest";
import { eventsFrames, eventsRuns, utf8Length } from "../../durable-objects/events-frames.js";

const wire = (seq: number, title: string) => JSON.stringify({ type: "PROMPT_CHANGE", seq, ts: 1, data: { promptId: "p", action: "created", title }, from: "s" });
const bytes = (s: string) => new TextEncoder().encode(s).length;

describe("EVENTS frames (batched catch-up)", () => {
  it("joins wires into frames of at most the bound, in order, without changing a byte of an event", () => {
    const wires = Array.from({ length: 50 }, (_, i) => wire(i + 1, "x".repeat(i * 7)));
    const max = 1000;
    const frames = eventsFrames(wires, max);
    expect(frames.length).toBeGreaterThan(1);
    for (const f of frames) expect(bytes(f)).toBeLessThanOrEqual(max);
    const events = frames.flatMap((f) => (JSON.parse(f) as { type: string; events: unknown[] }).events);
    expect(events).toEqual(wires.map((w) => JSON.parse(w)));
    // Each frame is full: the next event would not have fitted.
    frames.slice(0, -1).forEach((f, i) => {
      const firstOfNext = (JSON.parse(frames[i + 1]!) as { events: unknown[] }).events[0];
      expect(bytes(f) + 1 + bytes(JSON.stringify(firstOfNext))).toBeGreaterThan(max);
    });
  });

  it("counts UTF-8 bytes, not UTF-16 units, against the bound", () => {
    expect(utf8Length("aé✓🌅")).toBe(bytes("aé✓🌅"));
    const wires = Array.from({ length: 20 }, (_, i) => wire(i + 1, "🌅✓é".repeat(10)));
    for (const f of eventsFrames(wires, 600)) expect(bytes(f)).toBeLessThanOrEqual(600);
  });

  it("sends an event too large for any frame alone, as its live frame, keeping the order", () => {
    const big = wire(2, "y".repeat(500));
    expect(eventsFrames([wire(1, "a"), big, wire(3, "b")], 300)).toEqual([
      `{"type":"EVENTS","events":[${wire(1, "a")}]}`, big, `{"type":"EVENTS","events":[${wire(3, "b")}]}`,
    ]);
    expect(eventsFrames([], 300)).toEqual([]);
  });

  it("says how many events each frame carries, so a sender knows which got through", () => {
    const wires = [wire(1, "a"), wire(2, "y".repeat(500)), wire(3, "b"), wire(4, "c")];
    const runs = eventsRuns(wires, 300);
    expect(runs.map((r) => r.count)).toEqual([1, 1, 2]);
    expect(runs.map((r) => r.frame)).toEqual(eventsFrames(wires, 300));
  });
});
