import { Hono, type Context } from "hono";
import {
  BATCH_EVENT_DATA, BatchBody, BatchItem, CreditUpdateBody, DreamBody, DreamResultBody, ErrorCode, Id, IDEMPOTENCY_KEY_PATTERN, isRetryable, PromptChangeBody,
  SCOPES, SealedServiceBody, ShootProgressBody, StateBody, toWireIssues, type BatchResult, type EventType, type PublishResult, type StateRemovedData,
} from "../../protocol/index.js";
import { isHubError, type BatchPublishItem, type HubError, type HubResult, type Idempotency } from "../../common/hub-rpc.js";
import { configOf } from "../config-cache.js";
import type { Env } from "../../common/env.js";
import { hubOf } from "../hub.js";
import { log } from "../../common/log.js";
import { apiError } from "../errors.js";
import { mapConcurrent } from "../fanout.js";
import { requireService, type AuthVars } from "../middleware/auth.js";
import { jsonBody } from "../middleware/json-body.js";

type Ctx = Context<{ Bindings: Env; Variables: AuthVars }>;

const FANOUT_CONCURRENCY = 50;
const IDEMPOTENCY_KEY = IDEMPOTENCY_KEY_PATTERN;
/** The keys a service may delete; `dreams` is the hub's own (cancel cycles instead). */
const DELETABLE_KEY = /^(limbic|convergence|posture|credits|shoots\..+|sealed\.[A-Za-z0-9._-]{1,64}|pairing\..+)$/;

const sha256Hex = async (text: string) =>
  [...new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)))].map((b) => b.toString(16).padStart(2, "0")).join("");

/**
 * The request's Idempotency-Key with the fingerprint of the request it came with: the route and
 * the parsed body, hashed. The hub keeps keys per service and refuses a key reused with another request.
 */
async function idempotencyOf(c: Ctx, body: unknown): Promise<Idempotency | undefined> {
  const key = c.req.header("Idempotency-Key");
  if (key === undefined) return undefined;
  if (!IDEMPOTENCY_KEY.test(key)) throw apiError(ErrorCode.INVALID_BODY, "Idempotency-Key must be 1-255 visible ASCII characters");
  return { key, fingerprint: await sha256Hex(`${c.req.method} ${c.req.path}\n${JSON.stringify(body)}`) };
}

/** Turns a hub refusal into the HTTP error it stands for. */
export function throwHubError(result: HubError): never {
  const { code, message, retryAfterMs, issues } = result.error;
  throw apiError(code, message, { retryAfterMs, issues, fromHub: true });
}

/** `duplicate: true` on an answer replayed for a repeated Idempotency-Key, and nothing otherwise. */
const duplicateOf = (r: { duplicate?: boolean }) => (r.duplicate ? { duplicate: true as const } : {});

function userIdParam(c: Ctx): string {
  const userId = Id.safeParse(c.req.param("userId"));
  if (!userId.success) throw apiError(ErrorCode.INVALID_BODY, "userId must be 1-128 characters of [A-Za-z0-9._:@-]", { issues: [{ path: "userId", message: "invalid userId" }] });
  return userId.data;
}

function serviceName(c: Ctx): string {
  const identity = c.get("identity");
  return identity.kind === "service" ? identity.service : "unknown";
}

function strip<T extends { userId?: string; userIds?: string[] }>(body: T): Omit<T, "userId" | "userIds"> {
  const { userId: _u, userIds: _us, ...data } = body;
  return data;
}

async function publishOne(c: Ctx, body: { userId: string }, type: EventType, data: unknown) {
  const userId = body.userId;
  const result: HubResult<PublishResult> = await hubOf(c.env, userId).publish({ userId, type, data, from: serviceName(c), idempotency: await idempotencyOf(c, body), rid: c.get("rid") });
  if (isHubError(result)) throwHubError(result);
  return c.json({ seq: result.seq, delivered: result.delivered, ...duplicateOf(result) }, 202);
}

type BatchError = Extract<BatchResult, { error: unknown }>["error"];

/** Checks one batch item: its shape, then its data against its type's schema. */
function batchItemOf(raw: unknown): { ok: true; item: BatchItem } | { ok: false; userId?: string; error: BatchError } {
  const userId = typeof (raw as { userId?: unknown })?.userId === "string" ? (raw as { userId: string }).userId : undefined;
  const type = (raw as { type?: unknown })?.type;
  if (typeof type === "string" && !(type in BATCH_EVENT_DATA)) {
    return { ok: false, userId, error: { code: ErrorCode.UNKNOWN_TYPE, retryable: false, message: `${type} is not a type a service can publish; one of ${Object.keys(BATCH_EVENT_DATA).join(", ")}` } };
  }
  const shape = BatchItem.safeParse(raw);
  if (!shape.success) return { ok: false, userId, error: { code: ErrorCode.INVALID_BODY, retryable: false, message: "the event is invalid", issues: toWireIssues(shape.error.issues) } };
  const data = BATCH_EVENT_DATA[shape.data.type].safeParse(shape.data.data);
  if (!data.success) {
    const issues = toWireIssues(data.error.issues).map((i) => ({ ...i, path: i.path ? `data.${i.path}` : "data" }));
    return { ok: false, userId, error: { code: ErrorCode.INVALID_BODY, retryable: false, message: `the data is invalid for ${shape.data.type}`, issues } };
  }
  return { ok: true, item: { ...shape.data, data: data.data } };
}

/** `/api/sync/*`: the service API. Writes need `sync:publish`, reads `sync:read`. */
export const syncRoutes = new Hono<{ Bindings: Env; Variables: AuthVars }>()
  .get("/status", (c) => c.json({ ok: true, version: "0.1.0", time: Date.now() }))
  .post("/shoot-progress", requireService(SCOPES.PUBLISH), jsonBody(ShootProgressBody), async (c) => {
    const body = c.req.valid("json");
    return publishOne(c, body, "SHOOT_PROGRESS", strip(body));
  })
  .post("/credit-update", requireService(SCOPES.PUBLISH), jsonBody(CreditUpdateBody), async (c) => {
    const body = c.req.valid("json");
    return publishOne(c, body, "CREDIT_UPDATE", strip(body));
  })
  .post("/prompt-change", requireService(SCOPES.PUBLISH), jsonBody(PromptChangeBody), async (c) => {
    const body = c.req.valid("json");
    const data = strip(body);
    if (body.userId !== undefined) return publishOne(c, { ...body, userId: body.userId }, "PROMPT_CHANGE", data);
    const idempotency = await idempotencyOf(c, body);
    const from = serviceName(c);
    const userIds = [...new Set(body.userIds!)];
    const results = await mapConcurrent(userIds, FANOUT_CONCURRENCY, async (userId) => {
      try {
        const r = await hubOf(c.env, userId).publish({ userId, type: "PROMPT_CHANGE", data, from, idempotency, rid: c.get("rid") });
        if (isHubError(r)) return { userId, error: { code: r.error.code, message: r.error.message, retryable: isRetryable(r.error.code) } };
        return { userId, seq: r.seq, delivered: r.delivered, ...duplicateOf(r) };
      } catch (err) {
        log("error", "prompt-change fan-out to a user failed", { rid: c.get("rid"), userId }, err);
        return { userId, error: { code: ErrorCode.INTERNAL, message: "delivery to this user failed; retry with the same Idempotency-Key", retryable: true } };
      }
    });
    return c.json({ results }, 202);
  })
  .post("/state", requireService(SCOPES.PUBLISH), jsonBody(StateBody), async (c) => {
    const body = c.req.valid("json");
    const events: { type: EventType; data: unknown }[] = [];
    if (body.limbic && Object.keys(body.limbic).length) events.push({ type: "LIMBIC_UPDATE", data: body.limbic });
    if (body.convergence && Object.keys(body.convergence).length) events.push({ type: "CONVERGENCE_UPDATE", data: body.convergence });
    if (body.posture) events.push({ type: "POSTURE_CHANGE", data: body.posture });
    if (!events.length) throw apiError(ErrorCode.INVALID_BODY, "nothing to update", { issues: [{ path: "", message: "give at least one non-empty of limbic, convergence, posture" }] });
    const result = await hubOf(c.env, body.userId).publishMany({ userId: body.userId, events, from: serviceName(c), idempotency: await idempotencyOf(c, body), rid: c.get("rid") });
    if (isHubError(result)) throwHubError(result);
    return c.json({ seq: result.seq, seqs: result.seqs, delivered: result.delivered, ...duplicateOf(result) }, 202);
  })
  .post("/dream", requireService(SCOPES.PUBLISH), jsonBody(DreamBody), async (c) => {
    const body = c.req.valid("json");
    const result = await hubOf(c.env, body.userId).startDream({ ...body, from: serviceName(c), idempotency: await idempotencyOf(c, body), rid: c.get("rid") });
    if (isHubError(result)) throwHubError(result);
    return c.json({ cycleId: result.cycleId, seq: result.seq, ...duplicateOf(result) }, 202);
  })
  .post("/dream-result", requireService(SCOPES.PUBLISH), jsonBody(DreamResultBody), async (c) => {
    const body = c.req.valid("json");
    const result = await hubOf(c.env, body.userId).dreamResult({ ...body, from: serviceName(c), idempotency: await idempotencyOf(c, body), rid: c.get("rid") });
    if (isHubError(result)) throwHubError(result);
    return c.json({ seq: result.seq, ...duplicateOf(result) }, 202);
  })
  .post("/sealed", requireService(SCOPES.PUBLISH), jsonBody(SealedServiceBody), async (c) => {
    // Ciphertext only: the Worker and the hub check the envelope's shape, never its contents.
    const body = c.req.valid("json");
    return publishOne(c, body, "SEALED_UPDATE", strip(body));
  })
  .post("/batch", requireService(SCOPES.PUBLISH), jsonBody(BatchBody, { maxBytes: (config) => config.maxBatchBodyBytes }), async (c) => {
    const body = c.req.valid("json");
    const from = serviceName(c);
    const results = new Array<BatchResult>(body.events.length);
    const byUser = new Map<string, { at: number[]; items: BatchPublishItem[] }>();
    const checked = await Promise.all(body.events.map(async (raw) => {
      const r = batchItemOf(raw);
      if (!r.ok || r.item.idempotencyKey === undefined) return { r };
      const { userId, type, data } = r.item;
      // A fingerprint per item: its key is refused with another user, type or data.
      return { r, fingerprint: await sha256Hex(`POST /api/sync/batch\n${JSON.stringify({ userId, type, data })}`) };
    }));
    checked.forEach(({ r, fingerprint }, i) => {
      if (!r.ok) {
        results[i] = { ...(r.userId !== undefined ? { userId: r.userId } : {}), error: r.error };
        return;
      }
      const { userId, type, data, idempotencyKey } = r.item;
      let group = byUser.get(userId);
      if (!group) byUser.set(userId, (group = { at: [], items: [] }));
      group.at.push(i);
      group.items.push({ type, data, ...(idempotencyKey !== undefined ? { idempotency: { key: idempotencyKey, fingerprint: fingerprint! } } : {}) });
    });
    await mapConcurrent([...byUser], FANOUT_CONCURRENCY, async ([userId, group]) => {
      try {
        const outcomes = await hubOf(c.env, userId).publishBatch({ userId, items: group.items, from, rid: c.get("rid") });
        group.at.forEach((i, k) => {
          const o = outcomes[k]!;
          results[i] = isHubError(o)
            ? { userId, error: { code: o.error.code, message: o.error.message, retryable: isRetryable(o.error.code), ...(o.error.retryAfterMs !== undefined ? { retryAfterMs: o.error.retryAfterMs } : {}) } }
            : { userId, seq: o.seq, ...duplicateOf(o) };
        });
      } catch (err) {
        log("error", "batch publish to a user failed", { rid: c.get("rid"), userId }, err);
        for (const i of group.at) results[i] = { userId, error: { code: ErrorCode.INTERNAL, message: "publishing to this user failed; retry with the same idempotencyKey", retryable: true } };
      }
    });
    return c.json({ results }, 202);
  })
  .get("/users/:userId", requireService(SCOPES.READ), async (c) => {
    const userId = userIdParam(c);
    const snap = await hubOf(c.env, userId).snapshot(userId, c.get("rid"));
    return c.json({ seq: snap.seq, epoch: snap.epoch, state: snap.state, versions: snap.versions, devices: snap.devices });
  })
  .delete("/users/:userId", requireService(SCOPES.PUBLISH), async (c) => {
    const userId = userIdParam(c);
    return c.json(await hubOf(c.env, userId).erase(c.get("rid")));
  })
  .get("/users/:userId/metrics", requireService(SCOPES.READ), async (c) => {
    const userId = userIdParam(c);
    return c.json(await hubOf(c.env, userId).readMetrics(userId, c.get("rid")));
  })
  .delete("/users/:userId/state/:key", requireService(SCOPES.PUBLISH), async (c) => {
    const userId = userIdParam(c);
    const key = c.req.param("key");
    if (!DELETABLE_KEY.test(key) || (key.startsWith("shoots.") && !Id.safeParse(key.slice(7)).success)) {
      throw apiError(ErrorCode.INVALID_BODY, "key must be limbic, convergence, posture, credits, shoots.<shootId>, sealed.<name> or pairing.<deviceId>", { issues: [{ path: "key", message: "not a removable state key" }] });
    }
    const data: StateRemovedData = { keys: [key], reason: "deleted" };
    const result = await hubOf(c.env, userId).publish({ userId, type: "STATE_REMOVED", data, from: serviceName(c), idempotency: await idempotencyOf(c, { userId, key }), rid: c.get("rid") });
    if (isHubError(result)) throwHubError(result);
    return c.json({ seq: result.seq, delivered: result.delivered, ...duplicateOf(result) });
  });
