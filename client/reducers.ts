import {
  DREAM_EVENT_TYPES, DreamsState, EMPTY_DREAMS, EVENT_DATA, reduceDreams, reduceState,
  type EventType, type ReduceContext,
} from "../protocol/index.js";

export { stateKeyOf, type ReduceContext } from "../protocol/index.js";

/** The client cannot compute this key's next value (data it cannot read); it asks the server for the state instead. */
export const UNKNOWN = Symbol("unknown");

/**
 * The next value of a state key after an event, with the server's own reducers (protocol/), so
 * the local mirror follows live events without a round trip. Data is validated first: a frame the
 * client cannot read yields UNKNOWN rather than a corrupt mirror.
 */
export function reduce(type: EventType, current: unknown, data: unknown, ctx: ReduceContext): unknown {
  const schema = EVENT_DATA[type];
  if (!schema || type === "PROMPT_CHANGE") return UNKNOWN;
  const parsed = schema.safeParse(data);
  if (!parsed.success) return UNKNOWN;
  if (DREAM_EVENT_TYPES.has(type)) {
    const dreams = current === undefined || current === null ? { success: true as const, data: EMPTY_DREAMS } : DreamsState.safeParse(current);
    return dreams.success ? reduceDreams(dreams.data, type, parsed.data, ctx) : UNKNOWN;
  }
  return reduceState(type, current, parsed.data, ctx);
}
