import {
  CONVERGENCE_DEFAULTS, ConvergenceUpdateData, CreditUpdateData, LIMBIC_DEFAULTS, LimbicUpdateData, POSTURE_HISTORY_LIMIT,
  PostureChangeData, ShootProgressData,
  type Convergence, type EventType, type Limbic, type PostureState,
} from "../protocol/index.js";
import { reduceDreams } from "./dreams-reducer.js";

/**
 * The state key an event writes, or null for a message (PROMPT_CHANGE). The same mapping as the
 * server's: `shoots.<shootId>`, `credits`, `limbic`, `convergence`, `posture`, and `dreams` for the rest.
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
    default: return "dreams";
  }
}

export interface ReduceContext {
  ts: number;
  from: string;
  seq: number;
}

/** The client cannot compute this key's next value (data it cannot read); it asks the server for the state instead. */
export const UNKNOWN = Symbol("unknown");

/**
 * The next value of a state key after an event, mirroring the server's reducers, so the local
 * mirror follows live events without a round trip. Data is validated first: a frame the client
 * cannot read yields UNKNOWN rather than a corrupt mirror.
 */
export function reduce(type: EventType, current: unknown, data: unknown, ctx: ReduceContext): unknown {
  switch (type) {
    case "SHOOT_PROGRESS": {
      const d = ShootProgressData.safeParse(data);
      return d.success ? { ...d.data, updatedAt: ctx.ts } : UNKNOWN;
    }
    case "CREDIT_UPDATE": {
      const d = CreditUpdateData.safeParse(data);
      return d.success ? { ...d.data, updatedAt: ctx.ts } : UNKNOWN;
    }
    case "LIMBIC_UPDATE": {
      const d = LimbicUpdateData.safeParse(data);
      return d.success ? { ...LIMBIC_DEFAULTS, ...(current as Limbic | undefined), ...d.data } : UNKNOWN;
    }
    case "CONVERGENCE_UPDATE": {
      const d = ConvergenceUpdateData.safeParse(data);
      if (!d.success) return UNKNOWN;
      const base = { ...CONVERGENCE_DEFAULTS, ...(current as Convergence | undefined) };
      return { ...base, ...d.data, answers: { ...base.answers, ...d.data.answers } };
    }
    case "POSTURE_CHANGE": {
      const d = PostureChangeData.safeParse(data);
      if (!d.success) return UNKNOWN;
      const prev = current as PostureState | undefined;
      const change = d.data;
      const entry = { from: prev?.posture ?? null, to: change.posture, reason: change.reason, confidence: change.confidence, at: ctx.ts, by: ctx.from, seq: ctx.seq };
      const history = [...(prev?.history ?? []), entry].slice(-POSTURE_HISTORY_LIMIT);
      return { posture: change.posture, reason: change.reason, confidence: change.confidence, changedAt: ctx.ts, by: ctx.from, history } satisfies PostureState;
    }
    case "DREAM_QUEUED":
    case "DREAM_PROGRESS":
    case "DREAM_RESULT":
    case "DREAM_FAILED":
    case "DREAM_CANCELLED":
    case "DREAM_SCHEDULE":
      return reduceDreams(current, type, data, ctx) ?? UNKNOWN;
    default:
      return UNKNOWN;
  }
}
