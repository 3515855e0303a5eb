/**
 * Test vectors for the state reducers (docs/vectors/*.json): event sequences, each with the whole
 * state and the key versions after every event. The expected states are computed here with the
 * server's reducer (`reduceState`) and checked in; test/unit/vectors.test.ts fails when they drift and
 * replays them through the client SDK's reducer. `npm run contracts` rewrites them.
 */
import { EVENT_DATA, reduceState, stateKeyOf, type EventType } from "../protocol/index.js";

type Json = { [key: string]: unknown };
export interface VectorEvent { type: EventType; seq: number; ts: number; from: string; data: Json }
export interface Vector { name: string; description: string; events: VectorEvent[]; after: { state: Json; versions: Record<string, number> }[] }

const T0 = 1_800_000_000_000;
type Input = [type: EventType, data: Json, from?: string];

function events(inputs: Input[]): VectorEvent[] {
  return inputs.map(([type, data, from], i) => ({ type, seq: i + 1, ts: T0 + (i + 1) * 1000, from: from ?? "svc", data }));
}

const limbic = (v: Partial<Record<string, number>>) => ({ ...v });
const report = (cycleId: string) => ({
  cycleId,
  window: { from: T0 - 86_400_000, to: T0, hours: 24 },
  events: { total: 2, processed: 2, skipped: 0 },
  decay: { arousal: { from: 0.9, to: 0.7 }, valence: { from: 0.5, to: 0.5 } },
  limbic: { trust: { count: 1, mean: 0.8, min: 0.8, max: 0.8, last: 0.8, trend: null } },
  posture: { shares: { companion: 0, copilot: 0, peer: 1, expert: 0 }, trackedMs: 1000, changes: 1 },
  convergence: { start: 0, end: 0.4, gained: 0.4, updates: 1, completed: false },
  interactions: 2,
  insights: [{ kind: "trend", title: "trust is steady" }],
  notes: [],
});

const SEQUENCES: { name: string; description: string; inputs: Input[] }[] = [
  {
    name: "shoots",
    description: "SHOOT_PROGRESS writes shoots.<shootId> (the last data and updatedAt = the event's ts); each shoot is its own key; STATE_REMOVED drops keys.",
    inputs: [
      ["SHOOT_PROGRESS", { shootId: "s1", status: "queued", processedCount: 0, totalCount: 800 }],
      ["SHOOT_PROGRESS", { shootId: "s1", status: "processing", processedCount: 120, totalCount: 800, currentImage: "IMG_0120.CR3", eta: 95, provider: "kull-v2" }],
      ["SHOOT_PROGRESS", { shootId: "s2", status: "processing", processedCount: 1, totalCount: 2 }],
      ["SHOOT_PROGRESS", { shootId: "s1", status: "failed", processedCount: 130, totalCount: 800, errorMessage: "provider timeout" }],
      ["STATE_REMOVED", { keys: ["shoots.s1"], reason: "expired" }],
      ["SHOOT_PROGRESS", { shootId: "s2", status: "completed", processedCount: 2, totalCount: 2 }],
    ],
  },
  {
    name: "credits-and-prompts",
    description: "CREDIT_UPDATE replaces credits (with updatedAt); PROMPT_CHANGE is a message and writes no state.",
    inputs: [
      ["CREDIT_UPDATE", { newBalance: 100, change: 100, reason: "purchase" }],
      ["PROMPT_CHANGE", { promptId: "p1", action: "created", title: "Golden hour" }],
      ["CREDIT_UPDATE", { newBalance: 90, change: -10, reason: "shoot s1" }],
    ],
  },
  {
    name: "limbic",
    description: "LIMBIC_UPDATE merges into the ten variables; a variable never sent is 0.5.",
    inputs: [
      ["LIMBIC_UPDATE", limbic({ trust: 0.9 }), "phone"],
      ["LIMBIC_UPDATE", limbic({ warmth: 0.2, humor: 0 }), "laptop"],
      ["LIMBIC_UPDATE", limbic({ trust: 0.1, arousal: 1 }), "svc"],
      ["STATE_REMOVED", { keys: ["limbic"], reason: "deleted" }],
      ["LIMBIC_UPDATE", limbic({ valence: 0.3 }), "phone"],
    ],
  },
  {
    name: "convergence",
    description: "CONVERGENCE_UPDATE merges fields onto the defaults; answers merge key by key.",
    inputs: [
      ["CONVERGENCE_UPDATE", { currentQuestion: 2, answers: { q1: "yes" } }, "phone"],
      ["CONVERGENCE_UPDATE", { progress: 0.4, connectionStrength: 0.3, answers: { q2: "often" } }, "phone"],
      ["CONVERGENCE_UPDATE", { answers: { q1: "no" }, completed: true, heartResonance: 1 }, "laptop"],
    ],
  },
  {
    name: "posture",
    description: "POSTURE_CHANGE replaces the posture and appends to its history (from, to, at = ts, by = from, seq); the last 50 are kept.",
    inputs: [
      ["POSTURE_CHANGE", { posture: "peer", reason: "asked", confidence: 0.8 }, "phone"],
      ["POSTURE_CHANGE", { posture: "expert" }, "svc"],
      ["POSTURE_CHANGE", { posture: "companion", confidence: 0.4 }, "laptop"],
    ],
  },
  {
    name: "dreams",
    description: "Dream events drive the dreams key: queue, current (from the first DREAM_PROGRESS), history (completed, failed, cancelled; the last 20), schedule.",
    inputs: [
      ["DREAM_SCHEDULE", { enabled: true, hour: 3, minute: 0, utcOffsetMinutes: 60, windowHours: 24, nextAt: T0 + 3_600_000 }, "phone"],
      ["DREAM_QUEUED", { cycleId: "c1", windowHours: 24, trigger: "device", position: 1, note: "after the wedding" }, "phone"],
      ["DREAM_QUEUED", { cycleId: "c2", windowHours: 12, trigger: "service", position: 2 }],
      ["DREAM_PROGRESS", { cycleId: "c1", phase: "decay", processed: 0, total: 2 }, "hub"],
      ["DREAM_PROGRESS", { cycleId: "c1", phase: "patterns", processed: 2, total: 2 }, "hub"],
      ["DREAM_RESULT", { cycleId: "c1", report: report("c1") }, "hub"],
      ["DREAM_CANCELLED", { cycleId: "c2", wasRunning: false }, "laptop"],
      ["DREAM_QUEUED", { cycleId: "c3", windowHours: 24, trigger: "schedule", position: 1, nextAt: T0 + 90_000_000 }, "hub"],
      ["DREAM_PROGRESS", { cycleId: "c3", phase: "decay", processed: 0, total: 0 }, "hub"],
      ["DREAM_FAILED", { cycleId: "c3", phase: "processor", error: "processor answered 500" }, "hub"],
      ["DREAM_PROGRESS", { cycleId: "nope", phase: "decay", processed: 0, total: 0 }, "hub"],
      ["DREAM_SCHEDULE", { enabled: false, hour: 3, minute: 0, utcOffsetMinutes: 60, windowHours: 24, nextAt: null }, "phone"],
    ],
  },
];

/** Replays events with a reducer: the whole state and the versions after each. */
export function replay(evs: readonly VectorEvent[], reduce: (type: EventType, current: unknown, data: unknown, ctx: { ts: number; from: string; seq: number }) => unknown) {
  let state: Json = {};
  let versions: Record<string, number> = {};
  return evs.map((e) => {
    if (e.type === "STATE_REMOVED") {
      const keys = e.data.keys as string[];
      state = Object.fromEntries(Object.entries(state).filter(([k]) => !keys.includes(k)));
      versions = Object.fromEntries(Object.entries(versions).filter(([k]) => !keys.includes(k)));
    } else {
      const key = stateKeyOf(e.type, e.data);
      if (key !== null) {
        // What the server stores and sends: JSON, so undefined fields are dropped.
        state = { ...state, [key]: JSON.parse(JSON.stringify(reduce(e.type, state[key], e.data, { ts: e.ts, from: e.from, seq: e.seq }))) };
        versions = { ...versions, [key]: e.seq };
      }
    }
    return { state, versions };
  });
}

export function vectors(): Vector[] {
  return SEQUENCES.map(({ name, description, inputs }) => {
    const evs = events(inputs);
    for (const e of evs) {
      const r = EVENT_DATA[e.type].safeParse(e.data);
      if (!r.success) throw new Error(`vector ${name} seq ${e.seq}: invalid ${e.type} data: ${r.error.message}`);
    }
    return { name, description, events: evs, after: replay(evs, reduceState) };
  });
}

/** The text of each file under docs/vectors/. */
export function vectorFiles(): Record<string, string> {
  return Object.fromEntries(vectors().map((v) => [`${v.name}.json`, `${JSON.stringify(v, null, 2)}\n`]));
}
