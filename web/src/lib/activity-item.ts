import * as z from "zod/mini";
import { EVENT_TYPES } from "../../../protocol/index.js";

/** One item of the activity feed (see activity.ts): a durable event, compacted. */
export const ActivityItem = z.object({
  seq: z.int(),
  /** When the change was made (`at ?? ts`). */
  at: z.number(),
  type: z.enum(EVENT_TYPES),
  from: z.string(),
  /** The event's data, shortened (a dream report is reduced to its cycle id). */
  data: z.record(z.string(), z.unknown()),
});
export type ActivityItem = z.infer<typeof ActivityItem>;
