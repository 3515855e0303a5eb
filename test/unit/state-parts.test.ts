import { describe, expect, it } from "vitest";
import { SyncState } from "../../client/sync-state.js";
import { stateParts } from "../../durable-objects/hub/state-parts.js";
import type { StateFrame } from "../../protocol/index.js";

const entry = (key: string, size: number, version: number) => ({ key, value: JSON.stringify({ v: "x".repeat(size) }), version });

function syncState() {
  const changes: { keys: string[]; reset: boolean }[] = [];
  const s = new SyncState(true, {
    mirrorChanged: (c) => changes.push({ keys: c.keys, reset: c.reset }),
    deliver: () => {},
    cursorMoved: () => {},
    needFullState: () => {},
  });
  return { s, changes };
}

describe("STATE parts", () => {
  it("cuts a large STATE into frames within the bound that join back to the same state", () => {
    const entries = Array.from({ length: 30 }, (_, i) => entry(`shoots.s${i}`, 1000, i + 1));
    const frames = stateParts({ seq: 30, entries, removed: [], reset: true, devicesJson: "[]" }, 8000);
    expect(frames.length).toBeGreaterThan(3);
    const parsed = frames.map((f) => JSON.parse(f) as StateFrame);
    frames.forEach((f) => expect(f.length).toBeLessThanOrEqual(8000));
    expect(parsed.map((p) => p.reset)).toEqual(parsed.map((_, i) => i === 0));
    expect(parsed.map((p) => p.more)).toEqual(parsed.map((_, i) => i < parsed.length - 1));
    expect(parsed.filter((p) => p.devices).length).toBe(1);
    expect(Object.assign({}, ...parsed.map((p) => p.state))).toEqual(Object.fromEntries(entries.map((e) => [e.key, JSON.parse(e.value)])));
  });

  it("keeps one frame, without part or more, when it fits", () => {
    const [only, ...rest] = stateParts({ seq: 1, entries: [entry("limbic", 10, 1)], removed: ["shoots.a"], reset: false }, 8000);
    expect(rest).toEqual([]);
    expect(JSON.parse(only!)).toEqual({ type: "STATE", seq: 1, state: { limbic: { v: "x".repeat(10) } }, versions: { limbic: 1 }, reset: false, removed: ["shoots.a"] });
  });

  it("the SDK mirror changes once, when the last part arrives, and a part 1 starts over", () => {
    const { s, changes } = syncState();
    s.welcome(false);
    const frames = stateParts({ seq: 9, entries: Array.from({ length: 9 }, (_, i) => entry(`k${i}`, 1000, i + 1)), removed: [], reset: true }, 3000).map((f) => JSON.parse(f) as StateFrame);
    s.state(frames[0]!);
    s.state(frames[0]!); // a repeated part 1: starts over
    for (const f of frames.slice(1, -1)) s.state(f);
    expect(changes).toEqual([]);
    s.state(frames.at(-1)!);
    expect(changes).toHaveLength(1);
    expect(changes[0]!.reset).toBe(true);
    expect(Object.keys(s.mirror.state).sort()).toEqual(Array.from({ length: 9 }, (_, i) => `k${i}`));
  });

  it("the SDK mirror drops removed keys: STATE.removed on resume, STATE_REMOVED live (unless written again since)", () => {
    const { s } = syncState();
    s.welcome(false);
    s.state({ type: "STATE", seq: 3, state: { a: 1, b: 2, c: 3 }, versions: { a: 1, b: 2, c: 3 }, reset: true });
    s.synced(3);
    s.welcome(true);
    s.state({ type: "STATE", seq: 4, state: {}, versions: {}, reset: false, removed: ["a"] });
    s.synced(4);
    expect(s.mirror.state).toEqual({ b: 2, c: 3 });
    expect(s.mirror.versions).toEqual({ b: 2, c: 3 });
    s.event({ type: "STATE_REMOVED", seq: 5, ts: 1, data: { keys: ["b", "zz"], reason: "deleted" }, from: "svc" });
    expect(s.mirror.state).toEqual({ c: 3 });
  });
});
