import * as z from "zod/mini";
import { DeviceName, Epoch, Id, Platform, Topic, type DeviceInfo, type ErrorCode, type Insight, type EventType, type MetricsAnswer, type NerveEvent, type PublishResult, type WireIssue } from "../protocol/index.js";

/** A refusal from the hub, mapped by the Worker to an HTTP status. */
export interface HubError {
  error: { code: ErrorCode; message: string; retryAfterMs?: number; issues?: WireIssue[]; current?: unknown; currentVersion?: number };
}

export type HubResult<T> = T | HubError;

export function isHubError(r: unknown): r is HubError {
  return typeof r === "object" && r !== null && "error" in r;
}

/**
 * An Idempotency-Key as the hub keeps it: per service (the writer's `from`), with the fingerprint of
 * the request it came with (route and body), so that a reuse with another request is refused.
 */
export interface Idempotency {
  key: string;
  fingerprint: string;
}

/** A service write to one user. */
export interface PublishRequest {
  userId: string;
  type: EventType;
  data: unknown;
  /** The service name from the verified token. */
  from: string;
  idempotency?: Idempotency;
  /** The Worker's request id, for the hub's log lines (common/log.ts). */
  rid?: string;
}

/** Several events from one service write (POST /api/sync/state): one per key. */
export interface PublishManyRequest {
  userId: string;
  events: { type: EventType; data: unknown }[];
  from: string;
  idempotency?: Idempotency;
  /** The Worker's request id, for the hub's log lines (common/log.ts). */
  rid?: string;
}

/** One item of a batch publish to one user (`POST /api/sync/batch`), in the batch's order. */
export interface BatchPublishItem {
  type: EventType;
  data: unknown;
  /** The item's idempotencyKey, fingerprinted with the item (user, type, data). */
  idempotency?: Idempotency;
}

/** A user's items of a batch, applied in order in one transaction. */
export interface BatchPublishRequest {
  userId: string;
  items: BatchPublishItem[];
  /** The service name from the verified token. */
  from: string;
  /** The Worker's request id, for the hub's log lines (common/log.ts). */
  rid?: string;
}

/** One item's outcome: its seq (`duplicate` for a repeated key), or why it was refused. */
export type BatchItemOutcome = { seq: number; duplicate?: boolean } | HubError;

export interface Snapshot {
  userId: string;
  seq: number;
  epoch: string;
  state: Record<string, unknown>;
  versions: Record<string, number>;
  devices: DeviceInfo[];
}

export interface EventsPage {
  events: NerveEvent[];
  seq: number;
  epoch: string;
  reset: boolean;
  /** Whether more events follow the last one in this page. */
  hasMore: boolean;
}

/** A service's request for a cycle (`POST /api/sync/dream`). */
export interface DreamRequest {
  userId: string;
  windowHours?: number;
  note?: string;
  /** The service name from the verified token. */
  from: string;
  idempotency?: Idempotency;
  /** The Worker's request id, for the hub's log lines (common/log.ts). */
  rid?: string;
}

/** An external processor's answer (`POST /api/sync/dream-result`). */
export interface DreamResultRequest {
  userId: string;
  cycleId: string;
  insights: Insight[];
  /** The service name from the verified token. */
  from: string;
  idempotency?: Idempotency;
  /** The Worker's request id, for the hub's log lines (common/log.ts). */
  rid?: string;
}

/** The identity and options the Worker hands to the hub with a WebSocket upgrade, in one header. */
export const ConnectParams = z.object({
  userId: Id,
  deviceId: z.optional(Id),
  platform: Platform,
  name: z.optional(DeviceName),
  topics: z.nullable(z.array(Topic)),
  since: z.optional(z.int().check(z.gte(0))),
  epoch: z.optional(Epoch),
  /** The token's `exp` (seconds since epoch): the socket is closed with 4002 after it, unless refreshed. */
  exp: z.optional(z.int()),
  /** Whether the deviceId came from the token's `did`: then a refreshed token must carry the same one. */
  tokenDevice: z.optional(z.boolean()),
  subprotocol: z.optional(z.string()),
  /** `batch=1`: the catch-up's missed messages come in EVENTS frames. */
  batch: z.optional(z.boolean()),
  /** The Worker's request id, for the hub's log lines. */
  rid: z.optional(z.string()),
});
export type ConnectParams = z.infer<typeof ConnectParams>;

export const CONNECT_HEADER = "x-nerve-connect";
/**
 * On the hub's 101: `<events> <bytes> <resumed 0|1>` of the catch-up it queued, for the Worker's
 * Analytics Engine point. The Worker removes it before the answer leaves.
 */
export const CATCH_UP_HEADER = "x-nerve-catch-up";

/**
 * The hub's RPC surface as the Worker calls it. `UserHub` implements it, so the two cannot drift;
 * it lives here, beside the request types, so the Worker never imports the hub's module.
 */
export interface HubRpc {
  publish(req: PublishRequest): Promise<HubResult<PublishResult & { duplicate?: boolean }>>;
  publishMany(req: PublishManyRequest): Promise<HubResult<PublishResult & { seqs: number[]; duplicate?: boolean }>>;
  /** A user's items of `POST /api/sync/batch`: one outcome per item, in order. */
  publishBatch(req: BatchPublishRequest): Promise<BatchItemOutcome[]>;
  startDream(req: DreamRequest): Promise<HubResult<{ cycleId: string; seq: number; duplicate?: boolean }>>;
  dreamResult(req: DreamResultRequest): Promise<HubResult<{ seq: number; duplicate?: boolean }>>;
  snapshot(userId: string, rid?: string): Promise<Snapshot>;
  eventsPage(since: number, limit: number, epoch?: string, rid?: string): Promise<EventsPage>;
  /** Erases the user's log, state, devices, dedup records and rate buckets; closes their sockets. */
  erase(rid?: string): Promise<{ epoch: string }>;
  /** The hub's counters (`GET /api/sync/users/:userId/metrics`). */
  readMetrics(userId: string, rid?: string): Promise<MetricsAnswer>;
}
export type { PublishResult };
