import * as z from "zod/mini";
import { Count, Id } from "./ids.js";
import { KeyringUpdateData, PairingUpdateData, SealedUpdateData } from "./sealed.js";
import {
  ConvergenceUpdateData, LimbicUpdateData, PostureChangeData, ShootProgressData,
} from "./events.js";

/** `DREAM_START` data. */
export const DreamStartData = z.strictObject({
  /** How many hours of history to consolidate; default 24. */
  windowHours: z.optional(z.number().check(z.gt(0), z.lte(24 * 30))),
  note: z.optional(z.string().check(z.maxLength(500))),
});
export type DreamStartData = z.infer<typeof DreamStartData>;

/** `DREAM_CANCEL` data. */
export const DreamCancelData = z.strictObject({ cycleId: Id });
export type DreamCancelData = z.infer<typeof DreamCancelData>;

/** `DREAM_SCHEDULE` data (extension): the user's nightly dream schedule. */
export const DreamScheduleData = z.strictObject({
  enabled: z.boolean(),
  /** Local hour 0-23 at which the nightly cycle starts. */
  hour: z.optional(z.int().check(z.gte(0), z.lte(23))),
  minute: z.optional(z.int().check(z.gte(0), z.lte(59))),
  /** The user's offset from UTC in minutes (e.g. 120 for UTC+2); default 0. */
  utcOffsetMinutes: z.optional(z.int().check(z.gte(-14 * 60), z.lte(14 * 60))),
  windowHours: z.optional(z.number().check(z.gt(0), z.lte(24 * 30))),
});
export type DreamScheduleData = z.infer<typeof DreamScheduleData>;

/** The data schema of each client message type. */
export const CLIENT_MESSAGE_DATA = {
  PING: z.strictObject({ t: z.number() }),
  ACK: z.strictObject({ seq: Count }),
  UPDATE_PROGRESS: ShootProgressData,
  LIMBIC_UPDATE: LimbicUpdateData,
  CONVERGENCE_UPDATE: ConvergenceUpdateData,
  POSTURE_CHANGE: PostureChangeData,
  DREAM_START: DreamStartData,
  DREAM_CANCEL: DreamCancelData,
  DREAM_SCHEDULE: DreamScheduleData,
  STATE_SYNC: z.strictObject({}),
  /** Extension: a fresh token for this socket, sent before the current one expires. */
  REFRESH: z.strictObject({ token: z.string().check(z.minLength(1), z.maxLength(8192)) }),
  /** Extension: sealed state (protocol.md 16). Each becomes the event of the same type. */
  SEALED_UPDATE: SealedUpdateData,
  KEYRING_UPDATE: KeyringUpdateData,
  PAIRING_UPDATE: PairingUpdateData,
} as const;
export type ClientMessageType = keyof typeof CLIENT_MESSAGE_DATA;
export const CLIENT_MESSAGE_TYPES = Object.keys(CLIENT_MESSAGE_DATA) as ClientMessageType[];

/** Client message types whose `data` may be omitted (it defaults to `{}`). */
export const DATA_OPTIONAL: ReadonlySet<string> = new Set(["STATE_SYNC", "DREAM_START"]);

/** How far back a state update's `at` may go; an older one is clamped to this age (a week: an offline phone comes back within it). */
export const AT_MAX_AGE_MS = 7 * 24 * 3600_000;

/**
 * When a state change counts as made: the client's `at`, clamped to [now - AT_MAX_AGE_MS, now];
 * `now` without one.
 * @example clampAt(undefined, 1000) // 1000
 */
export function clampAt(at: number | undefined, now: number): number {
  return at === undefined ? now : Math.min(now, Math.max(now - AT_MAX_AGE_MS, Math.round(at)));
}

/** Client message types that carry a state update and so may carry `baseVersion`. */
export const STATE_UPDATE_TYPES: ReadonlySet<string> = new Set(["LIMBIC_UPDATE", "CONVERGENCE_UPDATE", "POSTURE_CHANGE", "UPDATE_PROGRESS"]);

/** Client message types that write sealed state: replaced whole, so compare-and-set but no `at`. */
export const SEALED_WRITE_TYPES: ReadonlySet<string> = new Set(["SEALED_UPDATE", "KEYRING_UPDATE", "PAIRING_UPDATE"]);

/** Client message types that may carry `baseVersion`: the state updates and the sealed writes. */
export const CAS_TYPES: ReadonlySet<string> = new Set([...STATE_UPDATE_TYPES, ...SEALED_WRITE_TYPES]);

/** The envelope every client frame shares. */
export const ClientEnvelope = z.strictObject({
  type: z.string().check(z.minLength(1), z.maxLength(64)),
  /** Client message id: a repeat from the same device is answered with the first answer and not applied again. */
  id: z.optional(z.string().check(z.minLength(1), z.maxLength(128))),
  /** Compare-and-set: the seq of the key's version the client last saw. */
  baseVersion: z.optional(Count),
  /** Extension (state updates): when the user made the change, ms since 1970; the server clamps it (AT_MAX_AGE_MS, not after now). */
  at: z.optional(z.number()),
  data: z.optional(z.unknown()),
});
export type ClientEnvelope = z.infer<typeof ClientEnvelope>;

/** A parsed client message, typed by `type`. */
export type ClientMessage = {
  [T in ClientMessageType]: { type: T; id?: string; baseVersion?: number; at?: number; data: z.infer<(typeof CLIENT_MESSAGE_DATA)[T]> };
}[ClientMessageType];
