import {
  DREAM_HISTORY_LIMIT, DreamCancelledData, DreamFailedData, DreamProgressData, DreamQueuedData, DreamResultData, DreamsState,
  NightlySchedule,
  type EventType, type FinishedCycle, type QueuedCycle,
} from "../protocol/index.js";

const EMPTY: DreamsState = { schedule: null, current: null, queue: [], history: [] };

/** Moves a cycle into the history, dropping its progress fields; keeps the last 20. */
function finish(s: DreamsState, cycle: QueuedCycle & { startedAt?: number }, rest: Pick<FinishedCycle, "status" | "report" | "error">, ts: number): FinishedCycle[] {
  const { cycleId, queuedAt, windowHours, note, trigger, by } = cycle;
  const entry: FinishedCycle = { cycleId, queuedAt, windowHours, ...(note !== undefined ? { note } : {}), trigger, by, startedAt: cycle.startedAt ?? null, finishedAt: ts, ...rest };
  return [...s.history, entry].slice(-DREAM_HISTORY_LIMIT);
}

/**
 * The next `dreams` value after a dream event, as the server's dream module computes it
 * (durable-objects/dream/dreams-state.ts), so the mirror follows a cycle's progress without a
 * STATE_SYNC per event. Returns null when the current value or the data cannot be read; the
 * client then asks for the state instead of guessing.
 */
export function reduceDreams(current: unknown, type: EventType, data: unknown, ctx: { ts: number; from: string }): DreamsState | null {
  const parsedCurrent = current === undefined || current === null ? { success: true as const, data: EMPTY } : DreamsState.safeParse(current);
  if (!parsedCurrent.success) return null;
  const s = parsedCurrent.data;
  switch (type) {
    case "DREAM_QUEUED": {
      const p = DreamQueuedData.safeParse(data);
      if (!p.success) return null;
      const d = p.data;
      const entry: QueuedCycle = { cycleId: d.cycleId, queuedAt: ctx.ts, windowHours: d.windowHours, ...(d.note !== undefined ? { note: d.note } : {}), trigger: d.trigger, by: ctx.from };
      const schedule = d.trigger === "schedule" && s.schedule && d.nextAt !== undefined ? { ...s.schedule, nextAt: d.nextAt } : s.schedule;
      return { ...s, schedule, queue: [...s.queue, entry] };
    }
    case "DREAM_PROGRESS": {
      const p = DreamProgressData.safeParse(data);
      if (!p.success) return null;
      const d = p.data;
      if (s.current?.cycleId === d.cycleId) return { ...s, current: { ...s.current, phase: d.phase, processed: d.processed, total: d.total } };
      const head = s.queue.find((q) => q.cycleId === d.cycleId);
      if (!head) return s;
      return { ...s, queue: s.queue.filter((q) => q !== head), current: { ...head, startedAt: ctx.ts, phase: d.phase, processed: d.processed, total: d.total } };
    }
    case "DREAM_RESULT": {
      const p = DreamResultData.safeParse(data);
      if (!p.success) return null;
      if (s.current?.cycleId !== p.data.cycleId) return s;
      return { ...s, current: null, history: finish(s, s.current, { status: "completed", report: p.data.report }, ctx.ts) };
    }
    case "DREAM_FAILED":
    case "DREAM_CANCELLED": {
      const p = type === "DREAM_FAILED" ? DreamFailedData.safeParse(data) : DreamCancelledData.safeParse(data);
      if (!p.success) return null;
      const rest: Pick<FinishedCycle, "status" | "error"> = type === "DREAM_FAILED" ? { status: "failed", error: (p.data as DreamFailedData).error } : { status: "cancelled" };
      const id = p.data.cycleId;
      if (s.current?.cycleId === id) return { ...s, current: null, history: finish(s, s.current, rest, ctx.ts) };
      const queued = s.queue.find((q) => q.cycleId === id);
      if (!queued) return s;
      return { ...s, queue: s.queue.filter((q) => q !== queued), history: finish(s, queued, rest, ctx.ts) };
    }
    case "DREAM_SCHEDULE": {
      const p = NightlySchedule.safeParse(data);
      return p.success ? { ...s, schedule: p.data } : null;
    }
    default:
      return null;
  }
}
