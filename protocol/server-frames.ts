import * as z from "zod/mini";
import { Epoch, Platform } from "./ids.js";
import { NerveEventSchema } from "./events.js";

/** One of the user's devices, as in `STATE.devices` and the device list. */
export const DeviceInfo = z.object({
  deviceId: z.string(),
  platform: Platform,
  name: z.optional(z.string()),
  online: z.boolean(),
  /** Open connections of this device now. */
  connections: z.int(),
  /** ms since epoch: when it was last connected (now, if online). */
  lastSeen: z.number(),
  /** The highest seq this device acknowledged with `ACK`. */
  ackedSeq: z.int(),
  /**
   * Extension, in device lists (`STATE.devices`, `GET /api/me`): for an online device, ms since
   * epoch of its last sign of life (a `ping` or a message) on any connection. A device online but
   * not heard from for longer than the heartbeat has probably lost its network; the server
   * reports it offline after twice the heartbeat (section 10).
   */
  lastHeard: z.optional(z.number()),
});
export type DeviceInfo = z.infer<typeof DeviceInfo>;

export const WelcomeFrame = z.object({
  type: z.literal("WELCOME"),
  userId: z.string(),
  deviceId: z.string(),
  seq: z.int(),
  serverTime: z.number(),
  heartbeatMs: z.int(),
  resumed: z.boolean(),
  /** Extension: names the user's history; keep it with the cursor and resume with `since` and `epoch`. */
  epoch: z.optional(Epoch),
  /**
   * Extension (v1.2): after an unplanned close (1001, 1006, 1011, 1012: a deploy closes every socket
   * at once), wait a uniformly random 0..reconnectSpreadMs ms before the first reconnect attempt.
   */
  reconnectSpreadMs: z.optional(z.int()),
});

export const StateFrame = z.object({
  type: z.literal("STATE"),
  /** The latest seq when the frame was made. */
  seq: z.int(),
  /** State key to value. Critical keys (limbic, convergence, posture) come first. */
  state: z.record(z.string(), z.unknown()),
  /** State key to the seq of its current version: use it as `baseVersion`. */
  versions: z.record(z.string(), z.int()),
  /** true: this is the whole state; replace the local copy. */
  reset: z.boolean(),
  devices: z.optional(z.array(DeviceInfo)),
  /** Extension: keys removed after `since` (resumed STATE only): drop them. */
  removed: z.optional(z.array(z.string())),
  /** Extension: a STATE larger than MAX_SERVER_FRAME_BYTES comes in parts 1, 2, ...; `more: true` on all but the last. */
  part: z.optional(z.int()),
  more: z.optional(z.boolean()),
});

/**
 * Extension (`batch=1` on `/ws`): missed messages of a catch-up, several a frame, in seq order,
 * between `STATE` and `SYNCED`. Each event has the shape of its live frame.
 */
export const EventsFrame = z.object({ type: z.literal("EVENTS"), events: z.array(NerveEventSchema) });
export const SyncedFrame = z.object({ type: z.literal("SYNCED"), seq: z.int() });
export const PongFrame = z.object({ type: z.literal("PONG"), t: z.number(), serverTime: z.number() });
export const AcceptedFrame = z.object({
  type: z.literal("ACCEPTED"), id: z.optional(z.string()), seq: z.optional(z.int()), duplicate: z.optional(z.boolean()),
  /** Extension: the event's `ts`, on the answer to a state update (its sender gets no event frame). */
  ts: z.optional(z.number()),
  /** Extension: the event's `at` (when the change counts as made), when it differs from `ts`. */
  at: z.optional(z.number()),
  /** Extension: the id of the cycle a `DREAM_START` queued. */
  cycleId: z.optional(z.string()),
  /** Extension: when a `DREAM_SCHEDULE` will next queue a cycle (null: disabled). */
  nextAt: z.optional(z.nullable(z.number())),
});
export const ErrorFrame = z.object({
  type: z.literal("ERROR"),
  id: z.optional(z.string()),
  code: z.string(),
  message: z.string(),
  /** Extension: whether the same message may pass if sent again later (`ERROR_RETRYABLE`). */
  retryable: z.optional(z.boolean()),
  issues: z.optional(z.array(z.object({ path: z.string(), message: z.string() }))),
  retryAfterMs: z.optional(z.number()),
  current: z.optional(z.unknown()),
  currentVersion: z.optional(z.int()),
});
export const DeviceConnectedFrame = z.object({ type: z.literal("DEVICE_CONNECTED"), device: DeviceInfo });
export const DeviceDisconnectedFrame = z.object({ type: z.literal("DEVICE_DISCONNECTED"), device: DeviceInfo });

/** Every frame the server may send. */
export const ServerFrame = z.union([
  WelcomeFrame, StateFrame, SyncedFrame, PongFrame, AcceptedFrame, ErrorFrame,
  DeviceConnectedFrame, DeviceDisconnectedFrame, EventsFrame, NerveEventSchema,
]);
export type WelcomeFrame = z.infer<typeof WelcomeFrame>;
export type StateFrame = z.infer<typeof StateFrame>;
export type SyncedFrame = z.infer<typeof SyncedFrame>;
export type EventsFrame = z.infer<typeof EventsFrame>;
export type PongFrame = z.infer<typeof PongFrame>;
export type AcceptedFrame = z.infer<typeof AcceptedFrame>;
export type ErrorFrame = z.infer<typeof ErrorFrame>;
export type DeviceConnectedFrame = z.infer<typeof DeviceConnectedFrame>;
export type DeviceDisconnectedFrame = z.infer<typeof DeviceDisconnectedFrame>;
export type ServerFrame = z.infer<typeof ServerFrame>;
