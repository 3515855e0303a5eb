import * as z from "zod/mini";
import { BATCH_EVENT_DATA, Id, type BatchEventType, type BroadcastStatus } from "../protocol/index.js";

/** The queue of broadcasts (wrangler.toml [[queues.producers]] and [[queues.consumers]]). */
export const BROADCAST_QUEUE_NAME = "nerve-broadcast";
/** Users per queue message: 100 ids of up to 128 characters and 32 KB of data stay under the 128 KB message limit. */
export const USERS_PER_MESSAGE = 100;
/** Deliveries of one user's event (the first and its retries) before it counts as failed. */
export const MAX_DELIVERY_ATTEMPTS = 6;
/**
 * A message older than this is not delivered: the hubs remember an idempotency key for 24 hours
 * (DEDUP_TTL_MS), and past that a redelivery could apply the event twice. An hour of margin.
 */
export const MAX_MESSAGE_AGE_MS = 23 * 60 * 60 * 1000;
/** How long a broadcast's ledger answers `GET /api/sync/broadcasts/:id` before it erases itself. */
export const LEDGER_RETENTION_MS = 7 * 24 * 60 * 60 * 1000;

/**
 * One queue message of a broadcast: a slice of its users and everything needed to publish to them,
 * so the consumer needs nothing but the hubs and the ledger. `attempt` counts the consumer's own
 * retries (a message of the users a delivery could not reach yet), not the queue's redeliveries.
 */
export const BroadcastMessage = z.object({
  v: z.literal(1),
  broadcastId: Id,
  batch: z.int().check(z.gte(0)),
  attempt: z.int().check(z.gte(0)),
  from: z.string(),
  type: z.enum(Object.keys(BATCH_EVENT_DATA) as [BatchEventType, ...BatchEventType[]]),
  data: z.unknown(),
  /** sha256 of type and data: the hub refuses the per-user key if it ever came with another event. */
  fingerprint: z.string(),
  enqueuedAt: z.number(),
  userIds: z.array(Id).check(z.minLength(1), z.maxLength(USERS_PER_MESSAGE)),
});
export type BroadcastMessage = z.infer<typeof BroadcastMessage>;

/** The hub's idempotency key of one user's delivery: the same on every redelivery of the broadcast. */
export const deliveryKey = (broadcastId: string, userId: string) => `broadcast:${broadcastId}:${userId}`;

/** What became of one user in one delivery. */
export type DeliveryOutcome =
  | { userId: string; outcome: "applied"; duplicate: boolean; delivered: number }
  | { userId: string; outcome: "failed" | "retrying"; code: string; message: string };

/** A new broadcast as the ledger records it. */
export interface LedgerCreate {
  broadcastId: string;
  /** sha256 of the request; a retry with the same Idempotency-Key and another request is refused. */
  fingerprint: string;
  service: string;
  type: string;
  segment?: string;
  total: number;
  batches: number;
  now: number;
}

/** The BroadcastLedger's RPC surface as the Worker calls it (the Worker never imports the class). */
export interface LedgerRpc {
  /** `created`: a new ledger; `existing`: the same request again; `reused`: the key came with another request. */
  create(req: LedgerCreate): Promise<"created" | "existing" | "reused">;
  /** Every batch is on the queue. */
  enqueued(now: number): Promise<void>;
  /** Outcomes of one delivery, and the hub calls it made. */
  record(outcomes: DeliveryOutcome[], hubCalls: number, now: number): Promise<void>;
  /** The progress, for the service that created it; null when there is no such broadcast (or another's). */
  status(service: string): Promise<BroadcastStatus | null>;
}
