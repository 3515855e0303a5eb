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
