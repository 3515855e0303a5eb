import { ErrorCode, isRetryable } from "../../protocol/index.js";
import { isHubError } from "../../common/hub-rpc.js";
import {
  BroadcastMessage, deliveryKey, MAX_DELIVERY_ATTEMPTS, MAX_MESSAGE_AGE_MS, type DeliveryOutcome,
} from "../../common/broadcast.js";
import type { Env } from "../../common/env.js";
import { mapConcurrent } from "../fanout.js";
import { hubOf } from "../hub.js";
import { broadcastBindings, ledgerOf } from "./ledger.js";

/** Hub calls in flight per message, as the synchronous fan-out (src/routes/sync.ts) does. */
const HUBS_IN_FLIGHT = 50;

/** Seconds before a retry: the hubs' Retry-After when they gave one, else 5 s doubling, at most 5 minutes. */
export function retryDelaySeconds(attempt: number, retryAfterMs = 0): number {
  return Math.min(300, Math.max(Math.ceil(retryAfterMs / 1000), 5 * 2 ** attempt));
}

/** Publishes the event to one user under the per-user key: a redelivery gets the first result back. */
async function deliverTo(env: Env, m: BroadcastMessage, userId: string): Promise<DeliveryOutcome & { retryAfterMs?: number }> {
  try {
    const r = await hubOf(env, userId).publish({
      userId, type: m.type, data: m.data, from: m.from,
      idempotency: { key: deliveryKey(m.broadcastId, userId), fingerprint: m.fingerprint },
    });
    if (!isHubError(r)) return { userId, outcome: "applied", duplicate: r.duplicate === true, delivered: r.delivered };
    const { code, message, retryAfterMs } = r.error;
    return { userId, outcome: isRetryable(code) ? "retrying" : "failed", code, message, retryAfterMs };
  } catch (err) {
    console.error(`broadcast ${m.broadcastId}: delivery to ${userId} failed:`, err);
    return { userId, outcome: "retrying", code: ErrorCode.INTERNAL, message: "the user's hub could not be reached" };
  }
}

/**
 * Delivers one queue message: every user of it, then one report to the ledger, then a message of
 * the users to try again (rate limited, unreachable), delayed; after MAX_DELIVERY_ATTEMPTS they
 * count as failed. Throws when the report or the retry cannot be sent: the queue then redelivers
 * the whole message, which the per-user keys make safe.
 */
export async function deliverMessage(body: unknown, env: Env): Promise<void> {
  const bindings = broadcastBindings(env);
  const parsed = BroadcastMessage.safeParse(body);
  if (!bindings || !parsed.success) {
    // Nothing a redelivery would change: log and drop, never loop.
    console.error("broadcast: dropped a queue message that is not a broadcast batch, or no broadcast bindings", parsed.success ? "" : parsed.error.issues);
    return;
  }
  const m = parsed.data;
  const ledger = ledgerOf(bindings.ledgers, m.broadcastId);
  if (Date.now() - m.enqueuedAt > MAX_MESSAGE_AGE_MS) {
    const message = "not delivered: the batch waited longer than the hubs remember idempotency keys (24 h)";
    await ledger.record(m.userIds.map((userId) => ({ userId, outcome: "failed", code: ErrorCode.INTERNAL, message })), 0, Date.now());
    return;
  }
  const results = await mapConcurrent(m.userIds, HUBS_IN_FLIGHT, (userId) => deliverTo(env, m, userId));
  const last = m.attempt + 1 >= MAX_DELIVERY_ATTEMPTS;
  const outcomes: DeliveryOutcome[] = results.map(({ retryAfterMs: _r, ...o }) =>
    o.outcome === "retrying" && last ? { ...o, outcome: "failed", message: `${o.message} (gave up after ${MAX_DELIVERY_ATTEMPTS} attempts)` } : o);
  await ledger.record(outcomes, m.userIds.length, Date.now());
  const again = results.filter((r) => r.outcome === "retrying");
  if (again.length && !last) {
    const retryAfterMs = Math.max(0, ...again.map((r) => r.retryAfterMs ?? 0));
    await bindings.queue.send({ ...m, attempt: m.attempt + 1, userIds: again.map((r) => r.userId) }, { contentType: "json", delaySeconds: retryDelaySeconds(m.attempt, retryAfterMs) });
  }
}

/**
 * The Worker's `queue()` handler: each message delivered on its own, acknowledged when done,
 * retried by the queue (with a growing delay) when its delivery threw.
 */
export async function consumeBroadcasts(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  for (const msg of batch.messages) {
    try {
      await deliverMessage(msg.body, env);
      msg.ack();
    } catch (err) {
      console.error(`broadcast: message ${msg.id} (attempt ${msg.attempts}) failed; the queue redelivers it:`, err);
      msg.retry({ delaySeconds: retryDelaySeconds(msg.attempts - 1) });
    }
  }
}
