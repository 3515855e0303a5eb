import { describe, expect, it } from "vitest";
import { nextNightlyAt, resolveSchedule } from "../../durable-objects/dream/schedule.js";

describe("nextNightlyAt", () => {
  it("is later today when the hour has not come yet, tomorrow when it has", () => {
    const s = { hour: 3, minute: 30, utcOffsetMinutes: 0 };
    expect(nextNightlyAt(Date.UTC(2026, 0, 1, 1, 0), s)).toBe(Date.UTC(2026, 0, 1, 3, 30));
    expect(nextNightlyAt(Date.UTC(2026, 0, 1, 3, 30), s)).toBe(Date.UTC(2026, 0, 2, 3, 30)); // strictly after now
    expect(nextNightlyAt(Date.UTC(2026, 0, 1, 23, 0), s)).toBe(Date.UTC(2026, 0, 2, 3, 30));
  });

  it("reads the hour on the user's clock: UTC+2 at 03:00 is 01:00 UTC; UTC-5 at 23:00 is 04:00 UTC next day", () => {
    expect(nextNightlyAt(Date.UTC(2026, 5, 1, 0, 0), { hour: 3, minute: 0, utcOffsetMinutes: 120 })).toBe(Date.UTC(2026, 5, 1, 1, 0));
    expect(nextNightlyAt(Date.UTC(2026, 5, 1, 2, 0), { hour: 3, minute: 0, utcOffsetMinutes: 120 })).toBe(Date.UTC(2026, 5, 2, 1, 0));
    expect(nextNightlyAt(Date.UTC(2026, 5, 1, 12, 0), { hour: 23, minute: 0, utcOffsetMinutes: -300 })).toBe(Date.UTC(2026, 5, 2, 4, 0));
  });

  it("crosses month and year ends", () => {
    expect(nextNightlyAt(Date.UTC(2026, 11, 31, 22, 0), { hour: 2, minute: 15, utcOffsetMinutes: 0 })).toBe(Date.UTC(2027, 0, 1, 2, 15));
  });
});

describe("resolveSchedule", () => {
  it("fills defaults, and keeps earlier fields a later message leaves out", () => {
    const first = resolveSchedule({ enabled: true, hour: 4 });
    expect(first).toEqual({ enabled: true, hour: 4, minute: 0, utcOffsetMinutes: 0, windowHours: 24 });
    expect(resolveSchedule({ enabled: false }, first)).toEqual({ ...first, enabled: false });
    expect(resolveSchedule({ enabled: true, minute: 45, windowHours: 12 }, first)).toEqual({ enabled: true, hour: 4, minute: 45, utcOffsetMinutes: 0, windowHours: 12 });
  });
});
