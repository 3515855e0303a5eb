/**
 * How events fold into state: the one copy that the hub (which writes the state) and the client
 * SDK (which mirrors it from live events) both run. Pure. The reducers trust their data: callers
 * validate it first (the hub at the edge, the client with `EVENT_DATA`).
 */
import type * as z from "zod/mini";
import {
  CONVERGENCE_DEFAULTS, ConvergenceUpdateData, CreditUpdateData, LIMBIC_DEFAULTS, LimbicUpdateData, POSTURE_HISTORY_LIMIT,
  PostureChangeData, PromptChangeData, SERVICE_EVENT_DATA, ShootProgressData, StateRemovedData,
  type Convergence, type EventType, type Limbic, type PostureState,
} from "./events.js";
import {
  DREAM_HISTORY_LIMIT, DreamCancelledData, DreamFailedData, DreamProgressData, DreamQueuedData, DreamResultData, NightlySchedule,
  type DreamsState, type FinishedCycle, type QueuedCycle,
} from "./dreams.js";
import {
  KeyringUpdateData, PairingUpdateData, SealedUpdateData, reduceKeyring, reducePairing,
  type Keyring, type PairingState,
} from "./sealed.js";

/** The data schema of every durable event type. */
export const EVENT_DATA: Record<EventType, z.ZodMiniType> = {
  ...SERVICE_EVENT_DATA,
  DREAM_QUEUED: DreamQueuedData,
  DREAM_PROGRESS: DreamProgressData,
  DREAM_RESULT: DreamResultData,
  DREAM_FAILED: DreamFailedData,
  DREAM_CANCELLED: DreamCancelledData,
  DREAM_SCHEDULE: NightlySchedule,
  STATE_REMOVED: StateRemovedData,
  SEALED_UPDATE: SealedUpdateData,
  KEYRING_UPDATE: KeyringUpdateData,
  PAIRING_UPDATE: PairingUpdateData,
};

export const DREAM_EVENT_TYPES: ReadonlySet<EventType> = new Set(["DREAM_QUEUED", "DREAM_PROGRESS", "DREAM_RESULT", "DREAM_FAILED", "DREAM_CANCELLED", "DREAM_SCHEDULE"]);

export const EMPTY_DREAMS: DreamsState = { schedule: null, current: null, queue: [], history: [] };

/**
 * The state key an event writes, or null for a message that writes none (PROMPT_CHANGE):
 * `shoots.<shootId>`, `credits`, `limbic`, `convergence`, `posture`, and `dreams` for dream events.
 */
export function stateKeyOf(type: EventType, data: unknown): string | null {
  switch (type) {
    case "SHOOT_PROGRESS": {
      const id = (data as { shootId?: unknown } | null)?.shootId;
      return typeof id === "string" ? `shoots.${id}` : null;
    }
    case "CREDIT_UPDATE": return "credits";
    case "LIMBIC_UPDATE": return "limbic";
    case "CONVERGENCE_UPDATE": return "convergence";
    case "POSTURE_CHANGE": return "posture";
    case "PROMPT_CHANGE": return null;
    case "STATE_REMOVED": return null; // removes keys (data.keys) rather than writing one
    case "SEALED_UPDATE": {
      const name = (data as { name?: unknown } | null)?.name;
      return typeof name === "string" ? `sealed.${name}` : null;
    }
    case "KEYRING_UPDATE": return "keyring";
    case "PAIRING_UPDATE": {
      const id = (data as { deviceId?: unknown } | null)?.deviceId;
      return typeof id === "string" ? `pairing.${id}` : null;
    }
    default: return "dreams";
  }
}

export interface ReduceContext {
  ts: number;
  /** The deviceId or service that caused the event. */
  from: string;
  seq: number;
}

/**
 * The next value of an event's state key. `current` is the key's value before (undefined at first).
 * @example reduceState("LIMBIC_UPDATE", undefined, { trust: 0.9 }, ctx) // all 0.5 but trust 0.9
 */
export function reduceState(type: EventType, current: unknown, data: unknown, ctx: ReduceContext): unknown {
  switch (type) {
    case "SHOOT_PROGRESS":
      return { ...(data as ShootProgressData), updatedAt: ctx.ts };
    case "CREDIT_UPDATE":
      return { ...(data as CreditUpdateData), updatedAt: ctx.ts };
    case "LIMBIC_UPDATE":
      return { ...LIMBIC_DEFAULTS, ...(current as Limbic | undefined), ...(data as LimbicUpdateData) };
    case "CONVERGENCE_UPDATE": {
      const base = { ...CONVERGENCE_DEFAULTS, ...(current as Convergence | undefined) };
      const update = data as ConvergenceUpdateData;
      return { ...base, ...update, answers: { ...base.answers, ...update.answers } };
    }
    case "POSTURE_CHANGE": {
      const prev = current as PostureState | undefined;
      const change = data as PostureChangeData;
      const entry = { from: prev?.posture ?? null, to: change.posture, reason: change.reason, confidence: change.confidence, at: ctx.ts, by: ctx.from, seq: ctx.seq };
      const history = [...(prev?.history ?? []), entry].slice(-POSTURE_HISTORY_LIMIT);
      return { posture: change.posture, reason: change.reason, confidence: change.confidence, changedAt: ctx.ts, by: ctx.from, history } satisfies PostureState;
    }
    case "SEALED_UPDATE":
      // Opaque to the server: the envelope replaces the value whole.
      return (data as SealedUpdateData).envelope;
    case "KEYRING_UPDATE":
      return reduceKeyring(current as Keyring | undefined, data as KeyringUpdateData);
    case "PAIRING_UPDATE":
      return reducePairing(current as PairingState | undefined, data as PairingUpdateData, ctx.from);
    case "PROMPT_CHANGE":
    case "STATE_REMOVED":
      throw new Error(`reduceState: ${type} writes no state`);
    default:
      return reduceDreams((current as DreamsState | undefined) ?? EMPTY_DREAMS, type, data, ctx);
  }
}

/** Moves a cycle into the history, dropping its progress fields; keeps the last 20. */
function finish(s: DreamsState, cycle: QueuedCycle & { startedAt?: number }, rest: Pick<FinishedCycle, "status" | "report" | "error">, ts: number): FinishedCycle[] {
  const { cycleId, queuedAt, windowHours, note, trigger, by } = cycle;
  const entry: FinishedCycle = { cycleId, queuedAt, windowHours, ...(note !== undefined ? { note } : {}), trigger, by, startedAt: cycle.startedAt ?? null, finishedAt: ts, ...rest };
  return [...s.history, entry].slice(-DREAM_HISTORY_LIMIT);
}

/** Ends a cycle, running or queued, into the history; a cycle that is neither is a no-op. */
function end(s: DreamsState, cycleId: string, rest: Pick<FinishedCycle, "status" | "error">, ts: number): DreamsState {
  if (s.current?.cycleId === cycleId) return { ...s, current: null, history: finish(s, s.current, rest, ts) };
  const queued = s.queue.find((q) => q.cycleId === cycleId);
  if (!queued) return s;
  return { ...s, queue: s.queue.filter((q) => q !== queued), history: finish(s, queued, rest, ts) };
}

/**
 * The next `dreams` value after a dream event. An event for a cycle that is not where it is
 * expected is a no-op.
 * @example reduceDreams(EMPTY_DREAMS, "DREAM_QUEUED", { cycleId: "c1", windowHours: 24, trigger: "device", position: 1 }, { ts: 5, from: "phone" })
 */
export function reduceDreams(s: DreamsState, type: EventType, data: unknown, ctx: { ts: number; from: string }): DreamsState {
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
      return end(s, d.cycleId, { status: "failed", error: d.error }, ctx.ts);
    }
    case "DREAM_CANCELLED":
      return end(s, (data as DreamCancelledData).cycleId, { status: "cancelled" }, ctx.ts);
    case "DREAM_SCHEDULE":
      return { ...s, schedule: data as NightlySchedule };
    default:
      throw new Error(`reduceDreams: ${type} is not a dream event`);
  }
}
