import { DurableObject } from "cloudflare:workers";
import {
  CloseCode, EVENT_TOPIC, ErrorCode, MAX_EVENTS_PAGE, reduceState, stateKeyOf,
  type ClientMessage, type EventType, type NerveEvent,
} from "../protocol/index.js";
import { readConfig, type Config } from "../common/config.js";
import type { Env } from "../common/env.js";
import { errorFrame, overLimit, peek, toClientMessage } from "./client-frame.js";
import { deviceTag, readAttachment, tagsFor, wants, type Attachment } from "./connection.js";
import { Dedup } from "./dedup.js";
import { readDreamConfig } from "./dream/config.js";
import { DreamCycles, type DreamRequest, type DreamResultRequest } from "./dream/cycles.js";
import { DeviceRegistry } from "./devices.js";
import { EventLog } from "./event-log.js";
import {
  CONNECT_HEADER, ConnectParams, isHubError, type EventsPage, type HubRpc, type HubError, type HubResult, type PublishManyRequest,
  type PublishRequest, type PublishResult, type Snapshot,
} from "../common/hub-rpc.js";
import { RateLimiter } from "./rate-limiter.js";
import { Retention } from "./retention.js";
import { migrate } from "./schema.js";
import { Scheduler, type JobHandler } from "./scheduler.js";
import { Sockets } from "./sockets.js";
import { StateStore } from "./state-store.js";

const ABUSE_WINDOW_MS = 60_000;

/** An event to append: the reducer's inputs plus an optional compare-and-set version. */
interface Commit {
  type: EventType;
  data: unknown;
  from: string;
  baseVersion?: number;
}

type CommitOutcome = { ok: true; events: NerveEvent[]; delivered: number[] } | { ok: false; error: HubError["error"] };

/**
 * One user's sync hub: their devices' hibernatable WebSockets, the durable event log, the state,
 * rate buckets and the alarm scheduler. A thin adapter: the parts it drives live beside it.
 */
export class UserHub extends DurableObject<Env> implements HubRpc {
  private readonly config: Config;
  private readonly sql: SqlStorage;
  private readonly log: EventLog;
  private readonly store: StateStore;
  private readonly devices: DeviceRegistry;
  private readonly dedup: Dedup;
  private readonly limiter: RateLimiter;
  private readonly scheduler: Scheduler;
  private readonly sockets: Sockets;
  /** Jobs by kind; dream cycles register theirs here too. */
  protected readonly jobs: Record<string, JobHandler>;
  private readonly dreams: DreamCycles;
  private readonly retention: Retention;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.config = readConfig(env as unknown as Record<string, unknown>);
    this.sql = ctx.storage.sql;
    migrate(this.sql, (fn) => ctx.storage.transactionSync(fn));
    this.log = new EventLog(this.sql);
    this.store = new StateStore(this.sql);
    this.devices = new DeviceRegistry(this.sql);
    this.dedup = new Dedup(this.sql);
    this.limiter = new RateLimiter(this.sql);
    this.scheduler = new Scheduler(this.sql, ctx.storage);
    this.sockets = new Sockets(ctx, this.devices);
    this.retention = new Retention(this.log, this.dedup, this.scheduler, this.config);
    this.dreams = new DreamCycles({
      sql: this.sql,
      config: readDreamConfig(env as unknown as Record<string, unknown>),
      readState: (key) => this.store.get(key)?.value,
      lastSeq: () => this.log.lastSeq,
      commit: (commits, reduce, exclude) => this.commit(commits, exclude, { reduce }),
      schedule: (id, due, onlyIfEarlier) => this.scheduler.schedule(id, due, { onlyIfEarlier }),
      cancelJob: (id) => this.scheduler.cancel(id),
      fetch: (input, init) => fetch(input, init),
      userId: () => ctx.id.name ?? null,
    });
    this.jobs = {
      prune: (_job, now) => this.retention.run(now),
      sweep: (_job, now) => this.sockets.sweep(now, this.config.heartbeatMs),
      dream: (job, now) => this.dreams.runJob(job, now),
    };
    // Answered by the runtime without waking the object; the timestamp feeds the sweep.
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair("ping", "pong"));
  }

  // ---------------------------------------------------------------- connections

  override async fetch(request: Request): Promise<Response> {
    const raw = request.headers.get(CONNECT_HEADER);
    if (request.headers.get("Upgrade")?.toLowerCase() !== "websocket" || !raw) {
      return Response.json({ error: { code: ErrorCode.NOT_FOUND, message: "the hub only accepts WebSocket upgrades from the Worker" } }, { status: 404 });
    }
    let params: ConnectParams;
    try {
      params = ConnectParams.parse(JSON.parse(raw));
    } catch (err) {
      console.error("UserHub.fetch: bad connect header from the Worker:", err);
      return Response.json({ error: { code: ErrorCode.INTERNAL, message: "bad connect parameters" } }, { status: 500 });
    }
    const pair = new WebSocketPair();
    const [client, server] = [pair[0], pair[1]];
    const headers = params.subprotocol ? { "Sec-WebSocket-Protocol": params.subprotocol } : undefined;

    if (this.ctx.getWebSockets().length >= this.config.maxConnectionsPerUser) {
      server.accept();
      server.close(CloseCode.TOO_MANY_CONNECTIONS, `too many connections (limit ${this.config.maxConnectionsPerUser})`);
      return new Response(null, { status: 101, webSocket: client, headers });
    }

    const now = Date.now();
    const deviceId = params.deviceId ?? `dev-${crypto.randomUUID()}`;
    const attachment: Attachment = {
      userId: params.userId, deviceId, platform: params.platform, name: params.name, topics: params.topics,
      connectedAt: now, lastMessageAt: now, rejections: 0, rejectionWindowStart: now,
    };
    const firstOfDevice = this.ctx.getWebSockets(deviceTag(deviceId)).length === 0;
    this.ctx.acceptWebSocket(server, tagsFor(deviceId, params.topics));
    server.serializeAttachment(attachment);
    this.devices.seen(deviceId, params.platform, params.name, now);

    this.sendCatchUp(server, attachment, params.since, now);
    if (firstOfDevice) this.sockets.announce("DEVICE_CONNECTED", deviceId, now);
    await this.scheduler.schedule("sweep", now + 2 * this.config.heartbeatMs, { onlyIfEarlier: true });
    return new Response(null, { status: 101, webSocket: client, headers });
  }

  /** WELCOME, then STATE (changed keys, critical first; or the full state on reset), then missed messages, then SYNCED. */
  private sendCatchUp(ws: WebSocket, a: Attachment, since: number | undefined, now: number): void {
    const resumed = since !== undefined && this.log.canResumeFrom(since);
    const seq = this.log.lastSeq;
    ws.send(JSON.stringify({ type: "WELCOME", userId: a.userId, deviceId: a.deviceId, seq, serverTime: now, heartbeatMs: this.config.heartbeatMs, resumed }));
    ws.send(this.stateFrame(a, resumed ? since : 0, !resumed, now));
    if (resumed) {
      for (const event of this.log.messagesAfter(since)) {
        if (wants(a, EVENT_TOPIC[event.type])) ws.send(JSON.stringify(event));
      }
    }
    ws.send(JSON.stringify({ type: "SYNCED", seq }));
  }

  /** A STATE frame with the keys changed after `since` that the connection's topics cover (and the devices, with presence). */
  private stateFrame(a: Attachment, since: number, reset: boolean, now: number): string {
    const { state, versions } = this.store.changedSince(since, a.topics ? new Set(a.topics) : undefined);
    return JSON.stringify({
      type: "STATE", seq: this.log.lastSeq, state, versions, reset,
      ...(wants(a, "presence") ? { devices: this.sockets.deviceList(now) } : {}),
    });
  }

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    const a = readAttachment(ws);
    if (!a) {
      console.error("UserHub.webSocketMessage: connection without a readable attachment");
      ws.close(CloseCode.INTERNAL, "connection state lost");
      return;
    }
    try {
      await this.onMessage(ws, a, message);
    } catch (err) {
      console.error("UserHub.webSocketMessage failed:", err);
      this.sockets.send(ws, errorFrame(undefined, ErrorCode.INTERNAL, "the server failed to handle this message; it was not applied"));
    }
  }

  private async onMessage(ws: WebSocket, a: Attachment, message: string | ArrayBuffer): Promise<void> {
    const now = Date.now();
    a.lastMessageAt = now;
    if (overLimit(message, this.config.maxFrameBytes)) {
      this.sockets.send(ws, errorFrame(undefined, ErrorCode.TOO_LARGE, `frame larger than ${this.config.maxFrameBytes} bytes`));
      ws.close(CloseCode.FRAME_TOO_LARGE, "frame too large");
      return;
    }
    // Read first (the frame is bounded by size) so that every refusal, the rate limit's included,
    // names the message id it refuses; a flood of garbage spends the bucket like any message.
    const frame = peek(message);
    const bucket = this.limiter.take("client", this.config.rateLimitPerMinute, now);
    if (!bucket.allowed) {
      return this.refuse(ws, a, errorFrame(frame.id, ErrorCode.RATE_LIMITED, `more than ${this.config.rateLimitPerMinute} messages a minute`, { retryAfterMs: bucket.retryAfterMs }));
    }
    const valid = toClientMessage(frame, typeof message !== "string");
    if (!valid.ok) return this.refuse(ws, a, valid.error);
    const msg = valid.msg;
    const id = msg.id;
    if (id !== undefined) {
      const answer = this.dedup.clientAnswer(a.deviceId, id);
      if (answer !== undefined) {
        ws.send(answer);
        this.sockets.save(ws, a);
        return;
      }
    }
    const answer = await this.dispatch(ws, a, msg, now);
    if (answer) {
      const text = JSON.stringify(answer);
      ws.send(text);
      // Remember answers that a retry must see again; a transient refusal is not remembered.
      if (id !== undefined && (answer.type === "ACCEPTED" || answer.code === ErrorCode.CONFLICT || answer.code === ErrorCode.INVALID_MESSAGE)) {
        this.dedup.rememberClientAnswer(a.deviceId, id, text, now);
        await this.retention.afterRemember(now);
      }
      if (answer.type === "ERROR" && answer.code !== ErrorCode.CONFLICT) return this.refuse(ws, a, null);
    }
    this.sockets.save(ws, a);
  }

  /** Handles one valid client message; returns the answer to send, if any. */
  protected async dispatch(ws: WebSocket, a: Attachment, msg: ClientMessage, now: number): Promise<Record<string, unknown> & { type: string; code?: string } | null> {
    const idPart = msg.id !== undefined ? { id: msg.id } : {};
    switch (msg.type) {
      case "PING":
        return { type: "PONG", t: msg.data.t, serverTime: now };
      case "ACK":
        this.devices.ack(a.deviceId, Math.min(msg.data.seq, this.log.lastSeq));
        return msg.id !== undefined ? { type: "ACCEPTED", ...idPart } : null;
      case "STATE_SYNC": {
        ws.send(this.stateFrame(a, 0, true, now));
        return msg.id !== undefined ? { type: "ACCEPTED", ...idPart } : null;
      }
      case "UPDATE_PROGRESS":
      case "LIMBIC_UPDATE":
      case "CONVERGENCE_UPDATE":
      case "POSTURE_CHANGE": {
        const type: EventType = msg.type === "UPDATE_PROGRESS" ? "SHOOT_PROGRESS" : msg.type;
        const outcome = await this.commit([{ type, data: msg.data, from: a.deviceId, baseVersion: msg.baseVersion }], ws);
        if (!outcome.ok) return errorFrame(msg.id, outcome.error.code, outcome.error.message, { current: outcome.error.current, currentVersion: outcome.error.currentVersion });
        return { type: "ACCEPTED", ...idPart, seq: outcome.events[0]!.seq };
      }
      case "DREAM_START":
      case "DREAM_CANCEL":
      case "DREAM_SCHEDULE": {
        const r = msg.type === "DREAM_START" ? await this.dreams.start(msg.data, "device", a.deviceId, ws)
          : msg.type === "DREAM_CANCEL" ? await this.dreams.cancel(msg.data.cycleId, a.deviceId, ws)
          : await this.dreams.setSchedule(msg.data, a.deviceId, ws);
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
   * Counts a refusal against the connection and closes it with 4008 past the abuse threshold.
   * `frame` (when given) is sent first.
   */
  private refuse(ws: WebSocket, a: Attachment, frame: object | null): void {
    if (frame) this.sockets.send(ws, frame);
    const now = Date.now();
    if (now - a.rejectionWindowStart > ABUSE_WINDOW_MS) {
      a.rejectionWindowStart = now;
      a.rejections = 0;
    }
    a.rejections += 1;
    this.sockets.save(ws, a);
    if (a.rejections > this.config.abuseRejectionsPerMinute) {
      ws.close(CloseCode.RATE_ABUSE, "too many refused messages");
    }
  }

  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    this.sockets.gone(ws);
    try {
      ws.close(code === 1005 || code === 1006 ? 1000 : code, reason);
    } catch {
      // already closed
    }
  }

  override async webSocketError(ws: WebSocket, error: unknown): Promise<void> {
    console.error("UserHub.webSocketError:", error);
    this.sockets.gone(ws);
  }

  // ---------------------------------------------------------------- events

  /**
   * Appends events and updates their state keys in one transaction, then broadcasts each in seq
   * order to the connections that want its topic, except `exclude` (the sender).
   */
  protected async commit(commits: Commit[], exclude?: WebSocket, options: { reduce?: (c: Commit, current: unknown, seq: number, ts: number) => unknown } = {}): Promise<CommitOutcome> {
    const now = Date.now();
    let outcome: CommitOutcome;
    try {
      outcome = this.ctx.storage.transactionSync((): CommitOutcome => {
        const events: NerveEvent[] = [];
        for (const c of commits) {
          const key = stateKeyOf(c.type, c.data);
          const current = key ? this.store.get(key) : undefined;
          if (c.baseVersion !== undefined && (current?.version ?? 0) !== c.baseVersion) {
            throw new ConflictSignal({ code: ErrorCode.CONFLICT, message: `${key} has changed since version ${c.baseVersion}`, current: current?.value ?? null, currentVersion: current?.version ?? 0 });
          }
          const seq = this.log.lastSeq + 1;
          const next = key === null ? undefined
            : options.reduce ? options.reduce(c, current?.value, seq, now)
            : reduceState(c.type, current?.value, c.data, { ts: now, from: c.from, seq });
          const event = this.log.append(c.type, c.data, c.from, key, now);
          if (key !== null) this.store.set(key, next, event.seq, now);
          events.push(event);
        }
        return { ok: true, events, delivered: [] };
      });
    } catch (err) {
      this.log.reload();
      if (err instanceof ConflictSignal) return { ok: false, error: err.error };
      throw err;
    }
    if (outcome.ok) outcome.delivered = outcome.events.map((event) => this.sockets.broadcast(event, exclude));
    await this.retention.afterAppend(now);
    return outcome;
  }

  // ---------------------------------------------------------------- service API (RPC from the Worker)

  /** A service write of one event. Idempotent by key; rate limited per user. */
  async publish(req: PublishRequest): Promise<HubResult<PublishResult>> {
    return this.publishMany({ userId: req.userId, events: [{ type: req.type, data: req.data }], from: req.from, idempotencyKey: req.idempotencyKey });
  }

  /** A service write of several events, applied together: the answer carries the last seq. */
  async publishMany(req: PublishManyRequest): Promise<HubResult<PublishResult & { seqs: number[] }>> {
    return this.serviceWrite(req.idempotencyKey, async () => {
      const outcome = await this.commit(req.events.map((e) => ({ ...e, from: req.from })));
      if (!outcome.ok) return { error: outcome.error };
      return { seq: outcome.events.at(-1)!.seq, seqs: outcome.events.map((e) => e.seq), delivered: Math.max(...outcome.delivered) };
    });
  }

  /** `POST /api/sync/dream`: queues a dream cycle for a service. */
  async startDream(req: DreamRequest): Promise<HubResult<{ cycleId: string; seq: number; duplicate?: boolean }>> {
    return this.serviceWrite(req.idempotencyKey, () => this.dreams.start({ windowHours: req.windowHours, note: req.note }, "service", req.from));
  }

  /** `POST /api/sync/dream-result`: an external dream processor's answer for the running cycle. */
  async dreamResult(req: DreamResultRequest): Promise<HubResult<{ seq: number; duplicate?: boolean }>> {
    return this.serviceWrite(req.idempotencyKey, () => this.dreams.externalResult(req.cycleId, req.insights));
  }

  /** Idempotency key and the service rate bucket around a service write that is not a plain publish. */
  private async serviceWrite<T extends object>(idemKey: string | undefined, run: () => Promise<HubResult<T>>): Promise<HubResult<T & { duplicate?: boolean }>> {
    const now = Date.now();
    if (idemKey !== undefined) {
      const earlier = this.dedup.idempotentResult<T>(idemKey);
      if (earlier) return { ...earlier, duplicate: true };
    }
    const bucket = this.limiter.take("service", this.config.serviceRateLimitPerMinute, now);
    if (!bucket.allowed) {
      return { error: { code: ErrorCode.RATE_LIMITED, message: `more than ${this.config.serviceRateLimitPerMinute} service writes a minute for this user`, retryAfterMs: bucket.retryAfterMs } };
    }
    const result = await run();
    if (idemKey !== undefined && !isHubError(result)) {
      this.dedup.rememberIdempotentResult(idemKey, result, now);
      await this.retention.afterRemember(now);
    }
    return result;
  }

  /** The user's whole state and device list. */
  async snapshot(userId: string): Promise<Snapshot> {
    const { state, versions } = this.store.changedSince(0);
    return { userId, seq: this.log.lastSeq, state, versions, devices: this.sockets.deviceList(Date.now()) };
  }

  /** A page of the log after `since`, for clients without a socket. `reset` when the log no longer holds all of it. */
  async eventsPage(since: number, limit: number): Promise<EventsPage> {
    const n = Math.min(Math.max(1, limit), MAX_EVENTS_PAGE);
    const events = this.log.after(since, n + 1);
    const reset = !this.log.canResumeFrom(Math.min(since, this.log.lastSeq)) || since > this.log.lastSeq;
    return { events: events.slice(0, n), seq: this.log.lastSeq, reset, hasMore: events.length > n };
  }

  // ---------------------------------------------------------------- alarm jobs

  override async alarm(): Promise<void> {
    try {
      await this.scheduler.runDue(Date.now(), this.jobs);
    } catch (err) {
      // Rethrowing makes the runtime retry the alarm with backoff: what a broken run needs.
      console.error("UserHub.alarm failed:", err);
      throw err;
    }
  }
}

/** Carries a CONFLICT out of `transactionSync`, rolling it back. */
class ConflictSignal extends Error {
  constructor(readonly error: HubError["error"]) {
    super(error.message);
  }
}
