import { DREAM_EVENT_TYPES, DreamsState, EMPTY_DREAMS, reduceDreams as reduceDreamsState, type EventType } from "../../protocol/index.js";
import { log } from "../../common/log.js";

/** Reads a stored `dreams` value defensively: anything malformed counts as empty. */
export function readDreams(value: unknown): DreamsState {
  if (value === undefined || value === null) return EMPTY_DREAMS;
  const parsed = DreamsState.safeParse(value);
  if (!parsed.success) {
    log("error", "dreams: stored state is malformed; starting from empty", { issues: parsed.error.issues.slice(0, 3).map((i) => `${i.path.join(".")}: ${i.message}`).join("; ") });
    return EMPTY_DREAMS;
  }
  return parsed.data;
}

export interface DreamEventContext {
  ts: number;
  from: string;
}

/** The next `dreams` value after a dream event, from a stored value read defensively. */
export function reduceDreams(current: unknown, type: EventType, data: unknown, ctx: DreamEventContext): DreamsState {
  return reduceDreamsState(readDreams(current), type, data, ctx);
}

export { DREAM_EVENT_TYPES, EMPTY_DREAMS };
