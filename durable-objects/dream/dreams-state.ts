import {
  DREAM_HISTORY_LIMIT, DreamsState,
  type DreamCancelledData, type DreamFailedData, type DreamProgressData, type DreamQueuedData, type DreamResultData,
  type EventType, type FinishedCycle, type NightlySchedule, type QueuedCycle,
} from "../../protocol/index.js";

export const EMPTY_DREAMS: DreamsState = { schedule: null, current: null, queue: [], history: [] };

/** Reads a stored `dreams` value defensively: anything malformed counts as empty. */
export function readDreams(value: unknown): DreamsState {
  if (value === undefined || value === null) return EMPTY_DREAMS;
  const parsed = DreamsState.safeParse(value);
  if (!parsed.success) {
    console.error("dreams: stored state is malformed; starting from empty", parsed.error.issues.slice(0, 3));
    return EMPTY_DREAMS;
  }
  return parsed.data;
}

export interface DreamEventContext {
  ts: number;
  from: string;
}

/** Moves a cycle into the history, dropping its progress fields; keeps the last 20. */
function finish(s: DreamsState, cycle: QueuedCycle & { startedAt?: number }, rest: Pick<FinishedCycle, "status" | "report" | "error">, ts: number): FinishedCycle[] {
  const { cycleId, queuedAt, windowHours, note, trigger, by } = cycle;
  const entry: FinishedCycle = { cycleId, queuedAt, windowHours, ...(note !== undefined ? { note } : {}), trigger, by, startedAt: cycle.startedAt ?? null, finishedAt: ts, ...rest };
  return [...s.history, entry].slice(-DREAM_HISTORY_LIMIT);
}

/**
 * The next `dreams` value after a dream event. Pure; the cycle runner decides which events to
 * write, this only records them. An event for a cycle that is not where it expects is a no-op.
 * @example reduceDreams(EMPTY_DREAMS, "DREAM_QUEUED", { cycleId: "c1", windowHours: 24, trigger: "device", position: 1 }, { ts: 5, from: "phone" })
 */
export function reduceDreams(current: unknown, type: EventType, data: unknown, ctx: DreamEventContext): DreamsState {
  const s = readDreams(current);
  switch (type) {
    case "DREAM_QUEUED": {
      const d = data as DreamQueuedData;
      const entry: QueuedCycle = { cycleId: d.cycleId, queuedAt: ctx.ts, windowHours: d.windowHours, ...(d.note !== undefined ? { note: d.note } : {}), trigger: d.trigger, by: ctx.from };
      const schedule = d.trigger === "schedule" && s.schedule && d.nextAt !== undefined ? { ...s.schedule, nextAt: d.nextAt } : s.schedule;
      return { ...s, schedule, queue: [...s.queue, entry] };
    }
    case "DREAM_PROGRESS": {
      const d = data as DreamProgressData;
      if (s.current?.cycleId === d.cycleId) return { ...s, current: { ...s.current, phase: d.phase, processed: d.processed, total: d.total } };
      const head = s.queue.find((q) => q.cycleId === d.cycleId);
      if (!head) return s;
      return { ...s, queue: s.queue.filter((q) => q !== head), current: { ...head, startedAt: ctx.ts, phase: d.phase, processed: d.processed, total: d.total } };
    }
    case "DREAM_RESULT": {
      const d = data as DreamResultData;
      if (s.current?.cycleId !== d.cycleId) return s;
      return { ...s, current: null, history: finish(s, s.current, { status: "completed", report: d.report }, ctx.ts) };
    }
    case "DREAM_FAILED": {
      const d = data as DreamFailedData;
      if (s.current?.cycleId === d.cycleId) return { ...s, current: null, history: finish(s, s.current, { status: "failed", error: d.error }, ctx.ts) };
      const queued = s.queue.find((q) => q.cycleId === d.cycleId);
      if (!queued) return s;
      return { ...s, queue: s.queue.filter((q) => q !== queued), history: finish(s, queued, { status: "failed", error: d.error }, ctx.ts) };
    }
    case "DREAM_CANCELLED": {
      const d = data as DreamCancelledData;
      if (s.current?.cycleId === d.cycleId) return { ...s, current: null, history: finish(s, s.current, { status: "cancelled" }, ctx.ts) };
      const queued = s.queue.find((q) => q.cycleId === d.cycleId);
      if (!queued) return s;
      return { ...s, queue: s.queue.filter((q) => q !== queued), history: finish(s, queued, { status: "cancelled" }, ctx.ts) };
    }
    case "DREAM_SCHEDULE":
      return { ...s, schedule: data as NightlySchedule };
    default:
      throw new Error(`reduceDreams: ${type} is not a dream event`);
  }
}

export const DREAM_EVENT_TYPES: ReadonlySet<EventType> = new Set(["DREAM_QUEUED", "DREAM_PROGRESS", "DREAM_RESULT", "DREAM_FAILED", "DREAM_CANCELLED", "DREAM_SCHEDULE"]);
