import { describe, expect, it } from "vitest";
import { connectPoint, HUB_DOUBLES, hubPoint, indexOf, refusalPoint, writePoints, type DataPoint, type HubDeltas } from "../../common/analytics.js";

const deltas = Object.fromEntries(HUB_DOUBLES.map((k, i) => [k, i + 1])) as HubDeltas;

describe("common/analytics: the data point layouts docs/observability.md queries", () => {
  it("hub: index1 the user, blob1 the kind, the deltas in HUB_DOUBLES order, then the gauges", () => {
    const p = hubPoint("alice", deltas, { openSockets: 3, storageBytes: 8192 });
    expect(p).toEqual({ indexes: ["alice"], blobs: ["hub", "alice"], doubles: [...HUB_DOUBLES.map((_, i) => i + 1), 3, 8192] });
    // The documented columns: double1 eventsIn, double4 bytesOut, double8 catchUpMs, double15/16 the gauges.
    expect(HUB_DOUBLES.indexOf("eventsIn")).toBe(0);
    expect(HUB_DOUBLES.indexOf("bytesOut")).toBe(3);
    expect(HUB_DOUBLES.indexOf("catchUpMs")).toBe(7);
    expect(p.doubles).toHaveLength(16);
  });

  it("refusal and connect points", () => {
    expect(refusalPoint("bob", "RATE_LIMITED", "service", 4)).toEqual({ indexes: ["bob"], blobs: ["refusal", "bob", "RATE_LIMITED", "service", ""], doubles: [4] });
    expect(connectPoint("bob", "accepted", true, 12, 30, 4096)).toEqual({ indexes: ["bob"], blobs: ["connect", "bob", "accepted", "resumed"], doubles: [12, 30, 4096] });
  });

  it("an index fits AE's 96 bytes: a long id is cut and tagged with its hash, so two long ids stay apart", () => {
    const a = `${"x".repeat(120)}a`;
    const b = `${"x".repeat(120)}b`;
    expect(indexOf(a)).toHaveLength(96);
    expect(indexOf(a)).not.toBe(indexOf(b));
    expect(indexOf(a)).toBe(indexOf(a));
  });

  it("writes to the binding when it is there, and does nothing without it or when it refuses a point", () => {
    const written: DataPoint[] = [];
    const point = refusalPoint("c", "CONFLICT", "client");
    writePoints({ writeDataPoint: (p) => written.push(p) }, [point, point]);
    expect(written).toEqual([point, point]);
    expect(() => writePoints(undefined, [point])).not.toThrow();
    expect(() => writePoints({ writeDataPoint: () => { throw new Error("too many blobs"); } }, [point])).not.toThrow();
  });
});
