import { CAS_TYPES, CloseCode, ErrorCode, stateKeyOf, type ClientMessage, type EventType, type NerveEvent } from "../../protocol/index.js";
import { isHubError } from "../../common/hub-rpc.js";
import type { Config } from "../../common/config.js";
import { errorFrame, overLimit, peek, toClientMessage, type ErrorFrame } from "../client-frame.js";
import type { Identity } from "../../common/auth.js";
import { expired, type Attachment } from "../connection.js";
import type { Dedup } from "../dedup.js";
import type { DeviceRegistry } from "../devices.js";
import type { DreamCycles } from "../dream/cycles.js";
import type { EventLog } from "../event-log.js";
import type { RateLimiter } from "../rate-limiter.js";
import type { Retention } from "../retention.js";
import { Sockets } from "../sockets.js";
import type { StateStore } from "../state-store.js";
import type { HubMetrics } from "../metrics/hub-metrics.js";
import type { CatchUp } from "./catch-up.js";
import { checkSealedWrite } from "./sealed-writes.js";
import type { WriteVia, Writer } from "./writer.js";

const ABUSE_WINDOW_MS = 60_000;

/**
 * What a refusal does, by code. `remember`: a retry of the same message id gets this answer again
 * instead of being applied (the refusal is final for that message). `abuse`: it counts toward the
 * ABUSE_REJECTIONS_PER_MINUTE close (4008). Transient refusals are not remembered, so a retry can pass.
 */
export const REFUSAL_POLICY: Record<ErrorCode, { remember: boolean; abuse: boolean }> = {
  BAD_JSON: { remember: false, abuse: true }, // carries no id
  INVALID_MESSAGE: { remember: true, abuse: true },
  UNKNOWN_TYPE: { remember: true, abuse: true },
  RATE_LIMITED: { remember: false, abuse: true },
  TOO_LARGE: { remember: false, abuse: true },
  CONFLICT: { remember: true, abuse: false },
  FORBIDDEN: { remember: true, abuse: true },
  NOT_FOUND: { remember: true, abuse: true },
  QUEUE_FULL: { remember: false, abuse: true },
  INTERNAL: { remember: false, abuse: false },
  // HTTP-only codes: never the answer to a frame, listed so that every code has a decision.
  INVALID_BODY: { remember: false, abuse: true },
  UNAUTHORIZED: { remember: false, abuse: true },
  TOKEN_INVALID: { remember: false, abuse: true },
  UNSUPPORTED_MEDIA_TYPE: { remember: false, abuse: true },
  UPGRADE_REQUIRED: { remember: false, abuse: true },
  IDEMPOTENCY_KEY_REUSED: { remember: false, abuse: true },
  // Limits: not remembered (a retry can pass once keys are deleted or shoots finish), and not abuse
  // (an honest client meets them; the rate limit bounds a flood).
  STATE_TOO_LARGE: { remember: false, abuse: false },
  TOO_MANY_SHOOTS: { remember: false, abuse: false },
  // A device that had not yet heard of a rotation: final for that message (it seals again under a new id), not abuse.
  STALE_EPOCH: { remember: true, abuse: false },
};

type Answer = Record<string, unknown> & { type: string };

export interface InboxParts {
  config: Config;
  /** Verifies a token as the Worker does at connect (same keys, same policy). */
  verify: (token: string) => Promise<Identity>;
  sockets: Sockets;
  limiter: RateLimiter;
  dedup: Dedup;
  writer: Writer;
  dreams: DreamCycles;
  devices: DeviceRegistry;
  log: EventLog;
  store: StateStore;
  catchUp: CatchUp;
  retention: Retention;
  /** Counts replays answered from the dedup records. */
  metrics: Pick<HubMetrics, "dedupHit">;
  /** Sets the sweep's alarm to when it is next needed: after a REFRESH, the old expiry needs no wake. */
  rescheduleSweep: (now: number) => Promise<void>;
}

/** The event a state update writes (the client's UPDATE_PROGRESS is the SHOOT_PROGRESS event). */
function eventTypeOf(msg: ClientMessage): EventType {
  return msg.type === "UPDATE_PROGRESS" ? "SHOOT_PROGRESS" : (msg.type as EventType);
}

/** The ACCEPTED answer to a write, built from its events inside the transaction that commits them. */
function accepted(msg: ClientMessage, events: NerveEvent[]): Answer {
  const event = events[0]!;
  const data = event.data as { cycleId?: string; nextAt?: number | null };
  return {
    type: "ACCEPTED", ...(msg.id !== undefined ? { id: msg.id } : {}), seq: event.seq,
    // A state update's sender does not get its event: `ts` lets it mirror the value exactly as stored.
    ...(CAS_TYPES.has(msg.type) ? { ts: event.ts, ...(event.at !== undefined ? { at: event.at } : {}) } : {}),
    ...(msg.type === "DREAM_START" ? { cycleId: data.cycleId } : {}),
    ...(msg.type === "DREAM_SCHEDULE" ? { nextAt: data.nextAt ?? null } : {}),
  };
}

/**
 * The inbound frame pipeline of one connection: size, rate, dedup, validation, dispatch, answer.
 * An answer that a retry must see again is recorded before anything is sent (for a write, in the
 * write's own transaction), so a close of any kind between commit and send loses no answer.
 */
export class Inbox {
  constructor(private readonly p: InboxParts) {}

  async handle(ws: WebSocket, a: Attachment, message: string | ArrayBuffer): Promise<void> {
    const { config, sockets } = this.p;
    // A connection the hub has closed takes nothing more: its client never learns the outcome, and
    // will resend through a new connection, where dedup answers what was applied.
    if (!Sockets.live(ws, a)) return;
    const now = Date.now();
    a.lastMessageAt = now;
    if (overLimit(message, config.maxFrameBytes)) {
      sockets.send(ws, errorFrame(undefined, ErrorCode.TOO_LARGE, `frame larger than ${config.maxFrameBytes} bytes`));
      sockets.close(ws, CloseCode.FRAME_TOO_LARGE, "frame too large");
      return;
    }
    // Read first (the frame is bounded by size) so that every refusal, the rate limit's included,
    // names the message id it refuses; a flood of garbage spends the bucket like any message.
    const frame = peek(message);
    // A socket whose token expired takes nothing but the REFRESH that would extend it.
    if (expired(a, now) && (frame.json as { type?: unknown } | undefined)?.type !== "REFRESH") {
      sockets.send(ws, errorFrame(frame.id, ErrorCode.TOKEN_INVALID, "token expired; reconnect with a fresh token"));
      sockets.close(ws, CloseCode.TOKEN_INVALID, "token expired");
      return;
    }
    const bucket = this.p.limiter.take("client", config.rateLimitPerMinute, now);
    if (!bucket.allowed) {
      return this.refuse(ws, a, errorFrame(frame.id, ErrorCode.RATE_LIMITED, `more than ${config.rateLimitPerMinute} messages a minute`, { retryAfterMs: bucket.retryAfterMs }), now);
    }
    if (frame.id !== undefined) {
      const earlier = this.p.dedup.clientAnswer(a.deviceId, frame.id);
      if (earlier !== undefined) {
        this.p.metrics.dedupHit("client");
        sockets.send(ws, this.replay(earlier));
        sockets.save(ws, a);
        return;
      }
    }
    const valid = toClientMessage(frame, typeof message !== "string");
    if (!valid.ok) return this.refuse(ws, a, valid.error, now);
    const answer = await this.dispatch(ws, a, valid.msg, now);
    if (answer?.type === "ERROR") {
      const error = answer as ErrorFrame;
      return this.refuse(ws, a, error, now, error.code === ErrorCode.CONFLICT ? stateKeyOf(eventTypeOf(valid.msg), valid.msg.data) : null);
    }
    if (answer) sockets.send(ws, answer);
    sockets.save(ws, a);
    // A write with an id remembered its answer in its transaction: make sure that record expires.
    if (valid.msg.id !== undefined && answer?.type === "ACCEPTED") await this.p.retention.afterRemember(now);
  }

  /** A remembered answer as it is sent again: a CONFLICT carries the key's value now (it is stored without it). */
  private replay(stored: string): string {
    const answer = JSON.parse(stored) as Answer & { key?: string };
    if (answer.code !== ErrorCode.CONFLICT || answer.key === undefined) return stored;
    const { key, ...rest } = answer;
    const current = this.p.store.get(key);
    return JSON.stringify({ ...rest, current: current?.value ?? null, currentVersion: current?.version ?? 0 });
  }

  /** Handles one valid client message; returns the answer to send, if any. */
  private async dispatch(ws: WebSocket, a: Attachment, msg: ClientMessage, now: number): Promise<Answer | null> {
    const idPart = msg.id !== undefined ? { id: msg.id } : {};
    const via: WriteVia = {
      exclude: ws,
      alsoWrite: msg.id === undefined ? undefined : (events) => this.p.dedup.rememberClientAnswer(a.deviceId, msg.id!, accepted(msg, events), now),
    };
    switch (msg.type) {
      case "PING":
        return { type: "PONG", t: msg.data.t, serverTime: now };
      case "ACK":
        this.p.devices.ack(a.deviceId, Math.min(msg.data.seq, this.p.log.lastSeq));
        this.p.sockets.acked(ws);
        return msg.id !== undefined ? { type: "ACCEPTED", ...idPart } : null;
      case "REFRESH":
        return this.refresh(ws, a, msg.id, msg.data.token, now);
      case "STATE_SYNC":
        for (const part of this.p.catchUp.stateFrames(a, 0, true, now)) this.p.sockets.send(ws, part);
        return msg.id !== undefined ? { type: "ACCEPTED", ...idPart } : null;
      case "UPDATE_PROGRESS":
      case "LIMBIC_UPDATE":
      case "CONVERGENCE_UPDATE":
      case "POSTURE_CHANGE": {
        const outcome = await this.p.writer.write([{ type: eventTypeOf(msg), data: msg.data, from: a.deviceId, baseVersion: msg.baseVersion, at: msg.at }], via);
        if (!outcome.ok) return errorFrame(msg.id, outcome.error.code, outcome.error.message, { current: outcome.error.current, currentVersion: outcome.error.currentVersion });
        return accepted(msg, outcome.events);
      }
      case "SEALED_UPDATE":
      case "KEYRING_UPDATE":
      case "PAIRING_UPDATE": {
        // Stored and relayed, never read: only shape and authorship are checked (sealed-writes.ts).
        const refusal = checkSealedWrite(msg, a.deviceId, this.p.store);
        if (refusal) return errorFrame(msg.id, refusal.code, refusal.message);
        const outcome = await this.p.writer.write([{ type: msg.type, data: msg.data, from: a.deviceId, baseVersion: msg.baseVersion }], via);
        if (!outcome.ok) return errorFrame(msg.id, outcome.error.code, outcome.error.message, { current: outcome.error.current, currentVersion: outcome.error.currentVersion });
        return accepted(msg, outcome.events);
      }
      case "DREAM_START":
      case "DREAM_CANCEL":
      case "DREAM_SCHEDULE": {
        const dreams = this.p.dreams;
        const r = msg.type === "DREAM_START" ? await dreams.start(msg.data, "device", a.deviceId, via)
          : msg.type === "DREAM_CANCEL" ? await dreams.cancel(msg.data.cycleId, a.deviceId, via)
          : await dreams.setSchedule(msg.data, a.deviceId, via);
        if (isHubError(r)) return errorFrame(msg.id, r.error.code, r.error.message);
        return { type: "ACCEPTED", ...idPart, ...r };
      }
      default: {
        const other = msg as ClientMessage; // every type is handled today; a new one lands here until it is
        return errorFrame(other.id, ErrorCode.UNKNOWN_TYPE, `${other.type} is not handled by this server yet`);
      }
    }
  }

  /**
   * REFRESH: a valid token for the same user (and device, when the first token named one) moves
   * the socket's expiry to the new token's `exp`. Any other token ends the socket: ERROR, then 4002.
   */
  private async refresh(ws: WebSocket, a: Attachment, id: string | undefined, token: string, now: number): Promise<Answer | null> {
    let reason: string | null = null;
    let identity: Identity | null = null;
    try {
      identity = await this.p.verify(token);
    } catch (err) {
      reason = err instanceof Error ? err.message : "token rejected";
    }
    if (identity && identity.kind !== "user") reason = "a service token cannot hold a socket";
    else if (identity && identity.userId !== a.userId) reason = "the token is for another user";
    else if (identity && (a.tokenDevice || identity.deviceId !== undefined) && identity.deviceId !== a.deviceId) reason = "the token is for another device";
    if (reason !== null || identity?.kind !== "user") {
      this.p.sockets.send(ws, errorFrame(id, ErrorCode.TOKEN_INVALID, `REFRESH refused: ${reason ?? "token rejected"}`));
      this.p.sockets.close(ws, CloseCode.TOKEN_INVALID, "token refresh refused");
      return null;
    }
    a.expiresAt = identity.exp * 1000;
    this.p.sockets.save(ws, a);
    await this.p.rescheduleSweep(now);
    return { type: "ACCEPTED", ...(id !== undefined ? { id } : {}) };
  }

  /**
   * Sends a refusal, remembers it by id when its code says so (nothing was applied, so outside any
   * transaction), and counts it toward the abuse close. `key`: the state key a CONFLICT is about.
   */
  private async refuse(ws: WebSocket, a: Attachment, error: ErrorFrame, now: number, key?: string | null): Promise<void> {
    const policy = REFUSAL_POLICY[error.code];
    if (policy.remember && error.id !== undefined) {
      this.p.dedup.rememberClientAnswer(a.deviceId, error.id, key ? { ...error, key } : error, now);
      await this.p.retention.afterRemember(now);
    }
    this.p.sockets.send(ws, error);
    if (!policy.abuse) return this.p.sockets.save(ws, a);
    if (now - a.rejectionWindowStart > ABUSE_WINDOW_MS) {
      a.rejectionWindowStart = now;
      a.rejections = 0;
    }
    a.rejections += 1;
    this.p.sockets.save(ws, a);
    if (a.rejections > this.p.config.abuseRejectionsPerMinute) this.p.sockets.close(ws, CloseCode.RATE_ABUSE, "too many refused messages");
  }
}
