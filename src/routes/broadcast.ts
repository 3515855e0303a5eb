import { Hono, type Context } from "hono";
import {
  BATCH_EVENT_DATA, BroadcastBody, ErrorCode, IDEMPOTENCY_KEY_PATTERN, MAX_BROADCAST_BODY_BYTES, MAX_BROADCAST_DATA_BYTES, SCOPES,
  toWireIssues, type BroadcastAccepted,
} from "../../protocol/index.js";
import { USERS_PER_MESSAGE, type BroadcastMessage } from "../../common/broadcast.js";
import type { Env } from "../../common/env.js";
import { enqueueAll } from "../broadcast/enqueue.js";
import { broadcastBindings, ledgerOf } from "../broadcast/ledger.js";
import { apiError } from "../errors.js";
import { requireService, type AuthVars } from "../middleware/auth.js";
import { jsonBody } from "../middleware/json-body.js";
import { sha256Hex } from "../sha256.js";

type Ctx = Context<{ Bindings: Env; Variables: AuthVars }>;

/** A broadcast id: `b-` and a UUID, or `b-` and 32 hex digits of the service's Idempotency-Key. */
const BROADCAST_ID = /^b-([0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

function bindingsOf(c: Ctx) {
  const bindings = broadcastBindings(c.env);
  if (!bindings) throw apiError(ErrorCode.INTERNAL, "broadcasts are not configured on this deployment (BROADCAST_QUEUE, BROADCAST_LEDGER)");
  return bindings;
}

function serviceOf(c: Ctx): string {
  const identity = c.get("identity");
  return identity.kind === "service" ? identity.service : "unknown";
}

/** The data checked against its type's schema, as the single publish routes check it; its JSON text. */
function checkedData(type: BroadcastBody["type"], raw: unknown): { data: unknown; text: string } {
  const data = BATCH_EVENT_DATA[type].safeParse(raw);
  if (!data.success) {
    const issues = toWireIssues(data.error.issues).map((i) => ({ ...i, path: i.path ? `data.${i.path}` : "data" }));
    throw apiError(ErrorCode.INVALID_BODY, `the data is invalid for ${type}`, { issues });
  }
  const text = JSON.stringify(data.data);
  if (text.length > MAX_BROADCAST_DATA_BYTES) throw apiError(ErrorCode.TOO_LARGE, `a broadcast's data must serialize to at most ${MAX_BROADCAST_DATA_BYTES} bytes`);
  return { data: data.data, text };
}

/**
 * `/api/sync/broadcast` and `/api/sync/broadcasts/:id`: one event to up to 100,000 users through
 * the BROADCAST_QUEUE, its progress in a BroadcastLedger per broadcast.
 */
export const broadcastRoutes = new Hono<{ Bindings: Env; Variables: AuthVars }>()
  .post("/broadcast", requireService(SCOPES.PUBLISH), jsonBody(BroadcastBody, { maxBytes: () => MAX_BROADCAST_BODY_BYTES }), async (c) => {
    const { queue, ledgers } = bindingsOf(c);
    const body = c.req.valid("json");
    const { data, text } = checkedData(body.type, body.data);
    const key = c.req.header("Idempotency-Key");
    if (key !== undefined && !IDEMPOTENCY_KEY_PATTERN.test(key)) throw apiError(ErrorCode.INVALID_BODY, "Idempotency-Key must be 1-255 visible ASCII characters");
    const service = serviceOf(c);
    const userIds = [...new Set(body.userIds)];
    // With a key, the id is the key's (per service): a retry finds the same ledger and the same per-user keys.
    const broadcastId = key !== undefined ? `b-${(await sha256Hex(`${service}\n${key}`)).slice(0, 32)}` : `b-${crypto.randomUUID()}`;
    const batches = Math.ceil(userIds.length / USERS_PER_MESSAGE);
    const now = Date.now();
    const ledger = ledgerOf(ledgers, broadcastId);
    const fingerprint = await sha256Hex(`POST /api/sync/broadcast\n${JSON.stringify({ userIds: body.userIds, type: body.type, data, segment: body.segment })}`);
    const created = await ledger.create({ broadcastId, fingerprint, service, type: body.type, segment: body.segment, total: userIds.length, batches, now });
    if (created === "reused") {
      throw apiError(ErrorCode.IDEMPOTENCY_KEY_REUSED, "this Idempotency-Key was used with a different broadcast; use a new key for a new broadcast");
    }
    const answer: BroadcastAccepted = { broadcastId, total: userIds.length, batches, ...(created === "existing" ? { duplicate: true } : {}) };
    // A repeat of a broadcast that was all queued answers at once; one cut short is queued again whole.
    if (created === "existing" && (await ledger.status(service))?.state !== "enqueuing") return c.json(answer, 202);
    const eventFingerprint = await sha256Hex(`broadcast\n${body.type}\n${text}`);
    const messages: BroadcastMessage[] = Array.from({ length: batches }, (_, batch) => ({
      v: 1, broadcastId, batch, attempt: 0, from: service, type: body.type, data, fingerprint: eventFingerprint, enqueuedAt: now,
      userIds: userIds.slice(batch * USERS_PER_MESSAGE, (batch + 1) * USERS_PER_MESSAGE),
    }));
    try {
      await enqueueAll(queue, messages);
    } catch (err) {
      const hint = key !== undefined ? "retry with the same Idempotency-Key" : "retry with an Idempotency-Key to make the retry safe";
      throw apiError(ErrorCode.INTERNAL, `the broadcast could not be queued whole; ${hint}`, { cause: err });
    }
    await ledger.enqueued(Date.now());
    return c.json(answer, 202);
  })
  .get("/broadcasts/:id", requireService(SCOPES.READ), async (c) => {
    const { ledgers } = bindingsOf(c);
    const id = c.req.param("id");
    const status = BROADCAST_ID.test(id) ? await ledgerOf(ledgers, id).status(serviceOf(c)) : null;
    if (!status) throw apiError(ErrorCode.NOT_FOUND, `no broadcast ${id} of this service`);
    return c.json(status);
  });
