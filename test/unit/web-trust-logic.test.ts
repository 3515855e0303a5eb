import { describe, expect, it } from "vitest";
import type { DeviceInfo } from "../../protocol/index.js";
import type { ActivityItem } from "../../web/src/lib/activity-item.js";
import { digestGroups } from "../../web/src/lib/activity-text.js";
import { trendWord } from "../../web/src/lib/dream-figures.js";
import { formatElapsed } from "../../web/src/lib/format.js";
import { whereOf, whoOf } from "../../web/src/lib/names.js";
import { presenceOf, staleAfterMs } from "../../web/src/lib/presence-rules.js";

const item = (seq: number, type: ActivityItem["type"], from: string, data: Record<string, unknown>, at = 1_000 + seq): ActivityItem => ({ seq, at, type, from, data });

describe("web: the digest of what happened while away", () => {
  it("groups per thing, newest first, with the net credit change and every source", () => {
    // The feed keeps items newest first.
    const items = [
      item(6, "PROMPT_CHANGE", "market", { promptId: "p1", action: "created", title: "Golden hour" }),
      item(5, "SHOOT_PROGRESS", "kull", { shootId: "w9", status: "queued", processedCount: 0, totalCount: 400 }),
      item(4, "POSTURE_CHANGE", "imac", { posture: "expert" }),
      item(3, "CREDIT_UPDATE", "billing", { newBalance: 980, change: -200, reason: "w8" }),
      item(2, "CREDIT_UPDATE", "billing", { newBalance: 1180, change: -200, reason: "w7" }),
      item(1, "LIMBIC_UPDATE", "imac", { trust: 0.2 }),
    ];
    const groups = digestGroups(items);
    expect(groups.map((g) => g.key)).toEqual(["prompts", "shoot:w9", "posture", "credits", "limbic"]);
    expect(groups.find((g) => g.key === "credits")).toMatchObject({ title: "Credits 1,380 → 980 (−400)", count: 2, froms: ["billing"], at: 1003 });
    expect(groups.find((g) => g.key === "posture")!.title).toBe("Posture is now Expert");
    expect(groups.find((g) => g.key === "shoot:w9")!.title).toBe("New shoot w9: queued");
    expect(groups.find((g) => g.key === "limbic")!.title).toBe("Limbic: trust changed");
  });
});

describe("web: dream figures in sane units", () => {
  it("says a trend as the points it moved, never more than the range seen", () => {
    // 409.4 units an hour over a few seconds of samples was shown as "rising 40940%/h".
    expect(trendWord({ trend: 409.4, min: 0.2, max: 0.9 }, 24)).toBe("rising, +70 pts");
    expect(trendWord({ trend: -0.01, min: 0.4, max: 0.6 }, 6)).toBe("falling, −6 pts");
    expect(trendWord({ trend: 0.0001, min: 0.5, max: 0.5 }, 24)).toBe("steady");
    expect(trendWord({ trend: null, min: 0.5, max: 0.5 }, 24)).toBe("—");
  });

  it("says durations in words ('took 0:00' was the old reading of 60 ms)", () => {
    expect(formatElapsed(60)).toBe("under a second");
    expect(formatElapsed(4_200)).toBe("4 s");
    expect(formatElapsed(125_000)).toBe("2 min 5 s");
    expect(formatElapsed(3_780_000)).toBe("1 h 3 min");
  });
});

describe("web: names and presence", () => {
  const devices: DeviceInfo[] = [
    { deviceId: "web-1", platform: "web", name: "Studio iMac", online: true, connections: 1, lastSeen: 0, ackedSeq: 0 },
    { deviceId: "web-2", platform: "web", online: true, connections: 1, lastSeen: 0, ackedSeq: 0 },
  ];

  it("names a source: this device is 'you', another by its name, a service never by its raw id", () => {
    expect(whereOf(whoOf("web-1", devices, "web-2"))).toBe("on Studio iMac");
    expect(whereOf(whoOf("web-2", devices, "web-2"))).toBe("on this device");
    expect(whereOf(whoOf("local-service", devices, "web-2"))).toBe("by a connected service");
    expect(whoOf("dream", devices, "web-2").label).toBe("Dreaming");
  });

  it("shows 'last heard' once a device missed more than a heartbeat, and 'you' for this one", () => {
    const hb = 30_000;
    const now = 1_000_000;
    const d = devices[0]!;
    expect(staleAfterMs(hb)).toBe(38_500);
    expect(presenceOf(d, "web-1", now - 60_000, hb, now)).toBe("you");
    expect(presenceOf(d, "web-2", now - 30_000, hb, now)).toBe("online");
    expect(presenceOf(d, "web-2", now - 39_000, hb, now)).toBe("stale");
    expect(presenceOf(d, "web-2", undefined, hb, now)).toBe("online");
    expect(presenceOf({ ...d, online: false }, "web-2", undefined, hb, now)).toBe("offline");
  });
});
