import * as z from "zod/mini";
import { Count, Id, Unit, type Topic } from "./ids.js";

/** `SHOOT_PROGRESS` data: the progress of one shoot (a batch of images being culled). */
export const ShootProgressData = z.strictObject({
  shootId: Id,
  status: z.enum(["queued", "processing", "completed", "failed"]),
  processedCount: Count,
  totalCount: Count,
  currentImage: z.optional(z.string().check(z.maxLength(512))),
  /** Seconds until completion. */
  eta: z.optional(z.number().check(z.gte(0))),
  provider: z.optional(z.string().check(z.maxLength(64))),
  errorMessage: z.optional(z.string().check(z.maxLength(2000))),
}).check(
  z.refine((d) => d.processedCount <= d.totalCount, { message: "processedCount must not exceed totalCount", path: ["processedCount"] }),
);
export type ShootProgressData = z.infer<typeof ShootProgressData>;

/**
 * Extension: a shoot still `queued` or `processing` with no update for this long is stalled: the
 * app says so instead of spinning, and its user may dismiss it (`DELETE /api/me/state/shoots.<id>`).
 */
export const SHOOT_STALLED_AFTER_MS = 5 * 60_000;

/** Whether a shoot (its state value) is stalled at `now`. */
export function shootStalled(shoot: { status: ShootProgressData["status"]; updatedAt: number }, now: number): boolean {
  return (shoot.status === "queued" || shoot.status === "processing") && now - shoot.updatedAt >= SHOOT_STALLED_AFTER_MS;
}

/**
 * Whether its user may dismiss a shoot: finished (completed or failed) or stalled. A running shoot
 * belongs to the service that runs it; only a service may remove it.
 */
export function shootDismissable(shoot: { status: ShootProgressData["status"]; updatedAt: number }, now: number): boolean {
  return shoot.status === "completed" || shoot.status === "failed" || shootStalled(shoot, now);
}

/** `CREDIT_UPDATE` data. */
export const CreditUpdateData = z.strictObject({
  newBalance: z.number(),
  change: z.number(),
  reason: z.string().check(z.minLength(1), z.maxLength(200)),
});
export type CreditUpdateData = z.infer<typeof CreditUpdateData>;

/** `PROMPT_CHANGE` data: a marketplace prompt changed. A message; it updates no state. */
export const PromptChangeData = z.strictObject({
  promptId: Id,
  action: z.enum(["created", "updated", "deleted"]),
  title: z.optional(z.string().check(z.maxLength(200))),
});
export type PromptChangeData = z.infer<typeof PromptChangeData>;

export const LIMBIC_VARIABLES = ["trust", "warmth", "arousal", "valence", "posture", "empathy", "intuition", "creativity", "wisdom", "humor"] as const;
export type LimbicVariable = (typeof LIMBIC_VARIABLES)[number];

/** The full limbic state: ten variables in [0, 1]. */
export const Limbic = z.strictObject(Object.fromEntries(LIMBIC_VARIABLES.map((k) => [k, Unit])) as Record<LimbicVariable, typeof Unit>);
export type Limbic = z.infer<typeof Limbic>;

const nonEmpty = z.refine((d) => Object.keys(d as object).length > 0, { message: "at least one field is required" });

/** `LIMBIC_UPDATE` data: any subset of the ten variables; merged into the state. */
export const LimbicUpdateData = z.partial(Limbic).check(nonEmpty);
export type LimbicUpdateData = z.infer<typeof LimbicUpdateData>;

export const LIMBIC_DEFAULTS: Limbic = Object.fromEntries(LIMBIC_VARIABLES.map((k) => [k, 0.5])) as Limbic;

/** The convergence onboarding's state. */
export const Convergence = z.strictObject({
  currentQuestion: z.int().check(z.gte(1)),
  progress: Unit,
  connectionStrength: Unit,
  imprintingLevel: Unit,
  synchronization: Unit,
  heartResonance: Unit,
  answers: z.record(z.string().check(z.maxLength(64)), z.string().check(z.maxLength(4000))),
  completed: z.boolean(),
});
export type Convergence = z.infer<typeof Convergence>;

/** `CONVERGENCE_UPDATE` data: any subset of the convergence fields. `answers` is merged key by key. */
export const ConvergenceUpdateData = z.partial(Convergence).check(nonEmpty);
export type ConvergenceUpdateData = z.infer<typeof ConvergenceUpdateData>;

export const CONVERGENCE_DEFAULTS: Convergence = {
  currentQuestion: 1, progress: 0, connectionStrength: 0, imprintingLevel: 0,
  synchronization: 0, heartResonance: 0, answers: {}, completed: false,
};

export const POSTURES = ["companion", "copilot", "peer", "expert"] as const;
export const PostureName = z.enum(POSTURES);
export type PostureName = z.infer<typeof PostureName>;

/** `POSTURE_CHANGE` data. */
export const PostureChangeData = z.strictObject({
  posture: PostureName,
  reason: z.optional(z.string().check(z.maxLength(280))),
  confidence: z.optional(Unit),
});
export type PostureChangeData = z.infer<typeof PostureChangeData>;

/** One entry of the posture history kept in the `posture` state key. */
export interface PostureHistoryEntry {
  from: PostureName | null;
  to: PostureName;
  reason?: string;
  confidence?: number;
  at: number;
  by: string;
  seq: number;
}

/** The `posture` state key. */
export interface PostureState {
  posture: PostureName;
  reason?: string;
  confidence?: number;
  changedAt: number;
  by: string;
  history: PostureHistoryEntry[];
}
export const POSTURE_HISTORY_LIMIT = 50;

/** Why state keys were removed: a finished shoot past SHOOT_RETENTION_HOURS, the oldest finished shoot making room under MAX_SHOOTS, or a DELETE. */
export const REMOVAL_REASONS = ["expired", "evicted", "deleted"] as const;

/** `STATE_REMOVED` data: state keys that no longer exist, all of one topic. Drop them from the mirror. */
/** The data schemas of the events a service may publish (the hub writes the dream and removal events itself). */
export const SERVICE_EVENT_DATA = {
  SHOOT_PROGRESS: ShootProgressData,
  CREDIT_UPDATE: CreditUpdateData,
  PROMPT_CHANGE: PromptChangeData,
  LIMBIC_UPDATE: LimbicUpdateData,
  CONVERGENCE_UPDATE: ConvergenceUpdateData,
  POSTURE_CHANGE: PostureChangeData,
} as const;

export const StateRemovedData = z.object({
  keys: z.array(z.string().check(z.minLength(1), z.maxLength(200))).check(z.minLength(1)),
  reason: z.enum(REMOVAL_REASONS),
});
export type StateRemovedData = z.infer<typeof StateRemovedData>;

/** Durable event types: each gets a seq and lives in the log. */
export const EVENT_TYPES = [
  "SHOOT_PROGRESS", "CREDIT_UPDATE", "PROMPT_CHANGE",
  "LIMBIC_UPDATE", "CONVERGENCE_UPDATE", "POSTURE_CHANGE",
  "DREAM_QUEUED", "DREAM_PROGRESS", "DREAM_RESULT", "DREAM_FAILED", "DREAM_CANCELLED", "DREAM_SCHEDULE",
  "STATE_REMOVED",
  // Extension: sealed state (docs/encryption.md). The hub stores and relays them without reading them.
  "SEALED_UPDATE", "KEYRING_UPDATE", "PAIRING_UPDATE",
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** The topic each event type belongs to; a connection filtered by topics receives only those. */
export const EVENT_TOPIC: Record<EventType, Topic> = {
  SHOOT_PROGRESS: "shoots",
  CREDIT_UPDATE: "credits",
  PROMPT_CHANGE: "prompts",
  LIMBIC_UPDATE: "state",
  CONVERGENCE_UPDATE: "state",
  POSTURE_CHANGE: "state",
  DREAM_QUEUED: "dream",
  DREAM_PROGRESS: "dream",
  DREAM_RESULT: "dream",
  DREAM_FAILED: "dream",
  DREAM_CANCELLED: "dream",
  DREAM_SCHEDULE: "dream",
  // A removal's topic is its keys' topic (see topicOfEvent); each removal event holds keys of one topic.
  STATE_REMOVED: "state",
  SEALED_UPDATE: "state",
  KEYRING_UPDATE: "state",
  PAIRING_UPDATE: "state",
};

/**
 * The topic an event is delivered on: its type's, except a `STATE_REMOVED`, which goes with its keys.
 * @example topicOfEvent({ type: "STATE_REMOVED", data: { keys: ["shoots.s1"], reason: "expired" } }) // "shoots"
 */
export function topicOfEvent(event: { type: EventType; data: unknown }): Topic {
  if (event.type !== "STATE_REMOVED") return EVENT_TOPIC[event.type];
  const first = (event.data as { keys?: unknown } | null)?.keys;
  return Array.isArray(first) && typeof first[0] === "string" ? topicOfStateKey(first[0]) : "state";
}

/** Critical state keys: sent first on catch-up. */
export const CRITICAL_KEYS = ["limbic", "convergence", "posture"] as const;

/** The topic of a state key (`shoots.<id>` belongs to `shoots`). */
export function topicOfStateKey(key: string): Topic {
  if (key.startsWith("shoots.")) return "shoots";
  if (key === "credits") return "credits";
  if (key === "dreams") return "dream";
  return "state";
}

/** A durable event as sent on the wire. */
export interface NerveEvent<T extends EventType = EventType, D = unknown> {
  type: T;
  seq: number;
  ts: number;
  /** Extension: when the change was made (the sender's clamped `at`), present when it differs from `ts`. Reducers use `at ?? ts`. */
  at?: number;
  data: D;
  /** The deviceId or service name that caused it. */
  from: string;
}

export const NerveEventSchema = z.object({
  type: z.enum(EVENT_TYPES),
  seq: z.int().check(z.gte(1)),
  ts: z.number(),
  /** Extension: when the change was made (the sender's clamped `at`), when it differs from `ts`; reducers use it. */
  at: z.optional(z.number()),
  data: z.unknown(),
  from: z.string(),
});
