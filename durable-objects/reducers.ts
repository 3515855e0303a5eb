import {
  CONVERGENCE_DEFAULTS, LIMBIC_DEFAULTS, POSTURE_HISTORY_LIMIT,
  type Convergence, type ConvergenceUpdateData, type CreditUpdateData, type EventType, type Limbic,
  type LimbicUpdateData, type PostureChangeData, type PostureState, type ShootProgressData,
} from "../protocol/index.js";

/** The state key an event writes, or null for a message that writes none (PROMPT_CHANGE). */
export function stateKeyOf(type: EventType, data: unknown): string | null {
  switch (type) {
    case "SHOOT_PROGRESS": return `shoots.${(data as ShootProgressData).shootId}`;
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

/**
 * The next value of a state key after an event. Pure. Dream events are reduced by the dream
 * module, which owns the `dreams` value, so they are not handled here.
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
    default:
      throw new Error(`reduceState: ${type} has no reducer here`);
  }
}
