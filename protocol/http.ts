import * as z from "zod/mini";
import { Epoch, Id } from "./ids.js";
import {
  Convergence, CreditUpdateData, Limbic, PostureChangeData, PromptChangeData, SERVICE_EVENT_DATA, ShootProgressData,
} from "./events.js";
import { DreamStartData } from "./client-messages.js";
import { SealedName, ServiceEnvelope } from "./sealed.js";

const withUser = { userId: Id };

/** `POST /api/sync/shoot-progress` */
export const ShootProgressBody = z.extend(ShootProgressData, withUser);
/** `POST /api/sync/credit-update` */
export const CreditUpdateBody = z.extend(CreditUpdateData, withUser);

export const MAX_FANOUT_USERS = 1000;
/** `POST /api/sync/prompt-change`: one user (`userId`) or many (`userIds`, at most 1000), not both. */
export const PromptChangeBody = z.extend(PromptChangeData, {
  userId: z.optional(Id),
  userIds: z.optional(z.array(Id).check(z.minLength(1), z.maxLength(MAX_FANOUT_USERS))),
}).check(
  z.refine((b) => (b.userId === undefined) !== (b.userIds === undefined), { message: "give exactly one of userId and userIds", path: ["userIds"] }),
);

/** `POST /api/sync/state`: a service sets the live state; partial limbic and convergence are merged. */
export const StateBody = z.strictObject({
  userId: Id,
  limbic: z.optional(z.partial(Limbic)),
  convergence: z.optional(z.partial(Convergence)),
  posture: z.optional(PostureChangeData),
}).check(
  z.refine((b) => b.limbic !== undefined || b.convergence !== undefined || b.posture !== undefined, { message: "give at least one of limbic, convergence, posture" }),
);

/** `POST /api/sync/dream` */
export const DreamBody = z.extend(DreamStartData, withUser);

/** One insight of a dream report. */
export const Insight = z.object({
  kind: z.string().check(z.minLength(1), z.maxLength(64)),
  title: z.string().check(z.maxLength(200)),
  detail: z.optional(z.string().check(z.maxLength(2000))),
  evidence: z.optional(z.array(z.int().check(z.gte(1))).check(z.maxLength(100))),
});
export type Insight = z.infer<typeof Insight>;

/** `POST /api/sync/dream-result`: an external dream processor's answer. */
export const DreamResultBody = z.strictObject({
  userId: Id,
  cycleId: Id,
  insights: z.array(Insight).check(z.maxLength(50)),
});

/**
 * `POST /api/sync/sealed`: a service seals a value to the user (a sealed box to the current epoch's
 * seal key, read from `keyring`); the hub stores it as `sealed.<name>` without reading it.
 */
export const SealedServiceBody = z.strictObject({ userId: Id, name: SealedName, envelope: ServiceEnvelope });

/** The event types `POST /api/sync/batch` publishes, with the schema of their data. */
export const BATCH_EVENT_DATA = SERVICE_EVENT_DATA;
export type BatchEventType = keyof typeof BATCH_EVENT_DATA;

export const MAX_BATCH_EVENTS = 1000;
export const IDEMPOTENCY_KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

/**
 * `POST /api/sync/batch`: up to 1,000 events of any users and publishable types. The list is checked
 * here; each item (`BatchItem`) on its own, so that one bad item is one error result, not a 400.
 */
export const BatchBody = z.strictObject({
  events: z.array(z.unknown()).check(z.minLength(1, "give at least one event"), z.maxLength(MAX_BATCH_EVENTS, `at most ${MAX_BATCH_EVENTS} events`)),
});

/** One item of a batch; its `data` is then checked against its type's schema (`BATCH_EVENT_DATA`). */
export const BatchItem = z.strictObject({
  userId: Id,
  type: z.enum(Object.keys(BATCH_EVENT_DATA) as [BatchEventType, ...BatchEventType[]]),
  data: z.unknown(),
  idempotencyKey: z.optional(z.string().check(z.regex(IDEMPOTENCY_KEY_PATTERN, "must be 1-255 visible ASCII characters"))),
});
export type BatchItem = z.infer<typeof BatchItem>;

/** One result of a batch, in the order of the items: the event's seq, or why this item was refused. */
export type BatchResult =
  | { userId: string; seq: number; duplicate?: true }
  | { userId?: string; error: { code: string; message: string; retryable?: boolean; issues?: { path: string; message: string }[]; retryAfterMs?: number } };

/** `POST /api/sync/broadcast`: at most this many distinct users per broadcast. */
export const MAX_BROADCAST_USERS = 100_000;
/** The serialized `data` of a broadcast: it travels in every queue message (128 KB each). */
export const MAX_BROADCAST_DATA_BYTES = 32_768;
/** The body bound of a broadcast: 100,000 ids of up to 128 characters, the data and the envelope. */
export const MAX_BROADCAST_BODY_BYTES = 16 * 1024 * 1024;

/**
 * `POST /api/sync/broadcast`: one event (a publishable type and its data, checked as the single
 * publish routes check it) to up to 100,000 users, delivered through a queue. `segment` names the
 * audience as the caller's backend resolved it (Nerve keeps no user directory): it is stored and
 * reported, never expanded.
 */
export const BroadcastBody = z.strictObject({
  userIds: z.array(Id).check(z.minLength(1, "give at least one userId"), z.maxLength(MAX_BROADCAST_USERS, `at most ${MAX_BROADCAST_USERS} userIds`)),
  type: z.enum(Object.keys(BATCH_EVENT_DATA) as [BatchEventType, ...BatchEventType[]]),
  data: z.unknown(),
  segment: z.optional(Id),
});
export type BroadcastBody = z.infer<typeof BroadcastBody>;

/** `202` answer of `POST /api/sync/broadcast`. */
export const BroadcastAccepted = z.object({
  broadcastId: Id,
  /** Distinct users the broadcast is for. */
  total: z.int(),
  /** Queue messages it was cut into. */
  batches: z.int(),
  duplicate: z.optional(z.boolean()),
});
export type BroadcastAccepted = z.infer<typeof BroadcastAccepted>;

export const BROADCAST_STATES = ["enqueuing", "delivering", "done"] as const;

/** `200` answer of `GET /api/sync/broadcasts/:id`: progress, counted per user, and the first failures. */
export const BroadcastStatus = z.object({
  broadcastId: Id,
  type: z.string(),
  segment: z.optional(Id),
  /** `enqueuing` until every batch is on the queue; `done` once every user is applied or failed. */
  state: z.enum(BROADCAST_STATES),
  total: z.int(),
  batches: z.int(),
  /** Users whose log holds the event (applied once; a redelivery is a duplicate and counts once). */
  applied: z.int(),
  /** Users it will not reach: a refusal that no retry changes, or retries exhausted. */
  failed: z.int(),
  /** Users waiting for a retry (rate limited, hub unreachable). */
  retrying: z.int(),
  /** total - applied - failed: not delivered yet. */
  pending: z.int(),
  /** Hub answers that were idempotent replays (redelivered queue messages). */
  duplicates: z.int(),
  /** Hub RPC calls made so far, retries included. */
  hubCalls: z.int(),
  /** Live connections that received the event when it was applied. */
  devicesReached: z.int(),
  createdAt: z.number(),
  completedAt: z.optional(z.number()),
  /** The first 100 failed users with why. */
  failures: z.array(z.object({ userId: Id, code: z.string(), message: z.string() })),
});
export type BroadcastStatus = z.infer<typeof BroadcastStatus>;

/** `202` answer of a single-user publish. */
export interface PublishResult {
  seq: number;
  delivered: number;
  duplicate?: boolean;
}

/** `GET /api/me/events` query. */
export const MAX_EVENTS_PAGE = 500;
export const EventsQuery = z.object({
  since: z.optional(z.pipe(z.string().check(z.regex(/^\d{1,15}$/, "must be a non-negative integer")), z.transform(Number))),
  limit: z.optional(z.pipe(
    z.pipe(z.string().check(z.regex(/^\d{1,4}$/, "must be an integer 1-500")), z.transform(Number)),
    z.int().check(z.gte(1, "must be an integer 1-500"), z.lte(MAX_EVENTS_PAGE, "must be an integer 1-500")),
  )),
  /** The epoch the `since` cursor belongs to: another epoch answers `reset: true`. */
  epoch: z.optional(Epoch),
});

/** The body of every HTTP error. */
export interface ErrorBody {
  /** `retryable` (extension): whether the same request may pass if sent again later (`ERROR_RETRYABLE`). */
  error: { code: string; message: string; retryable?: boolean; issues?: { path: string; message: string }[] };
}

const count = z.int().check(z.gte(0));

/**
 * `200` of `GET /api/sync/users/:userId/metrics`: one hub's counters since `since` (the hub's first
 * count, or its last erase). Totals flushed to storage plus what the live instance has counted since.
 */
export const MetricsAnswer = z.object({
  userId: Id,
  /** When counting began (ms since epoch). */
  since: z.number(),
  /** The hub's clock when it answered. */
  now: z.number(),
  /** When the counters were last written to storage (null: never); see docs/observability.md on loss. */
  flushedAt: z.nullable(z.number()),
  /** `in`: events appended to the log (every source); `out`: event copies sent to devices, live and in catch-ups. */
  events: z.object({ in: count, out: count }),
  /** UTF-8 bytes of WebSocket frames received from and sent to devices. */
  bytes: z.object({ in: count, out: count }),
  /** `open`: live connections now; `opened`/`closed`: accepted and ended since `since`. */
  sockets: z.object({ open: count, opened: count, closed: count }),
  /** Catch-ups (WELCOME to SYNCED): how many, how many resumed, their events and bytes, and their time in the hub. */
  catchUp: z.object({
    count, resumed: count, events: count, bytes: count, maxEvents: count, maxBytes: count,
    /** Milliseconds of hub clock; in production the Workers clock moves only at I/O (see docs/observability.md). */
    totalMs: z.number(), maxMs: z.number(),
  }),
  /** Refused client frames and service writes, by error code. */
  refusals: z.record(z.string(), count),
  /** Alarm runs; wakes: times the hub was constructed (woken from hibernation or eviction). */
  alarms: count,
  wakes: count,
  /** Retries answered from the dedup records: client message ids and service Idempotency-Keys. */
  dedupHits: z.object({ client: count, service: count }),
  /** The hub's SQLite database size in bytes. */
  storageBytes: count,
});
export type MetricsAnswer = z.infer<typeof MetricsAnswer>;
