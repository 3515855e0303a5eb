import * as z from "zod/mini";
import { Count, Id, Unit } from "./ids.js";
import { Insight } from "./http.js";
import { POSTURES } from "./events.js";

/**
 * Dream cycle events and the `dreams` state key (contract section 3; the fields beyond `cycleId`,
 * `phase, processed, total`, `report` and `error` are extensions, documented in docs/dreams.md).
 */
export const DREAM_PHASES = ["decay", "consolidate", "patterns", "processor"] as const;
export const DreamPhase = z.enum(DREAM_PHASES);
export type DreamPhase = z.infer<typeof DreamPhase>;

export const DreamTrigger = z.enum(["device", "service", "schedule"]);
export type DreamTrigger = z.infer<typeof DreamTrigger>;

/** How many cycles may wait behind the running one; one more is refused with QUEUE_FULL. */
export const DREAM_QUEUE_LIMIT = 5;
/** How many finished cycles the `dreams` key keeps, with their reports. */
export const DREAM_HISTORY_LIMIT = 20;

export const DreamQueuedData = z.object({
  cycleId: Id,
  windowHours: z.number(),
  note: z.optional(z.string()),
  trigger: DreamTrigger,
  /** Place in the queue, 1 = next. */
  position: z.int(),
  /** For a nightly cycle: when the next one is due. */
  nextAt: z.optional(z.number()),
});
export type DreamQueuedData = z.infer<typeof DreamQueuedData>;

export const DreamProgressData = z.object({ cycleId: Id, phase: DreamPhase, processed: Count, total: Count });
export type DreamProgressData = z.infer<typeof DreamProgressData>;

const Series = z.object({
  count: Count,
  mean: z.nullable(z.number()),
  min: z.nullable(z.number()),
  max: z.nullable(z.number()),
  last: z.nullable(z.number()),
  /** Least-squares slope, units per hour. */
  trend: z.nullable(z.number()),
});

/** The report of a finished cycle. */
export const DreamReport = z.object({
  cycleId: Id,
  window: z.object({ from: z.number(), to: z.number(), hours: z.number() }),
  /** Window events (limbic, convergence, posture) when the cycle started, and how many were read. */
  events: z.object({ total: Count, processed: Count, skipped: Count }),
  decay: z.object({ arousal: z.object({ from: Unit, to: Unit }), valence: z.object({ from: Unit, to: Unit }) }),
  limbic: z.record(z.string(), Series),
  posture: z.object({ shares: z.record(z.enum(POSTURES), z.number()), trackedMs: z.number(), changes: Count }),
  convergence: z.object({ start: z.number(), end: z.number(), gained: z.number(), updates: Count, completed: z.boolean() }),
  interactions: Count,
  insights: z.array(Insight),
  processor: z.optional(z.object({
    status: z.enum(["answered", "timeout"]),
    insights: z.optional(z.array(Insight)),
    at: z.number(),
  })),
  notes: z.array(z.string()),
});
export type DreamReport = z.infer<typeof DreamReport>;

export const DreamResultData = z.object({ cycleId: Id, report: DreamReport });
export type DreamResultData = z.infer<typeof DreamResultData>;

export const DreamFailedData = z.object({ cycleId: Id, phase: z.nullable(DreamPhase), error: z.string() });
export type DreamFailedData = z.infer<typeof DreamFailedData>;

export const DreamCancelledData = z.object({ cycleId: Id, wasRunning: z.boolean() });
export type DreamCancelledData = z.infer<typeof DreamCancelledData>;

/** The nightly schedule as stored and as carried by the `DREAM_SCHEDULE` event. */
export const NightlySchedule = z.object({
  enabled: z.boolean(),
  hour: z.int(),
  minute: z.int(),
  utcOffsetMinutes: z.int(),
  windowHours: z.number(),
  /** When the next nightly cycle will be queued; null while disabled. */
  nextAt: z.nullable(z.number()),
});
export type NightlySchedule = z.infer<typeof NightlySchedule>;

const QueuedCycle = z.object({
  cycleId: Id,
  queuedAt: z.number(),
  windowHours: z.number(),
  note: z.optional(z.string()),
  trigger: DreamTrigger,
  by: z.string(),
});
export type QueuedCycle = z.infer<typeof QueuedCycle>;

const CurrentCycle = z.extend(QueuedCycle, { startedAt: z.number(), phase: DreamPhase, processed: Count, total: Count });
export type CurrentCycle = z.infer<typeof CurrentCycle>;

const FinishedCycle = z.extend(QueuedCycle, {
  status: z.enum(["completed", "failed", "cancelled"]),
  startedAt: z.nullable(z.number()),
  finishedAt: z.number(),
  report: z.optional(DreamReport),
  error: z.optional(z.string()),
});
export type FinishedCycle = z.infer<typeof FinishedCycle>;

/** The `dreams` state key: the schedule, the running cycle's progress, the queue, the last 20 cycles (oldest first). */
export const DreamsState = z.object({
  schedule: z.nullable(NightlySchedule),
  current: z.nullable(CurrentCycle),
  queue: z.array(QueuedCycle),
  history: z.array(FinishedCycle),
});
export type DreamsState = z.infer<typeof DreamsState>;
