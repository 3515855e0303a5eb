import { DurableObject } from "cloudflare:workers";
import { CloseCode, ErrorCode, KEYRING_KEY, MAX_EVENTS_PAGE, shootDismissable, type Keyring, type MetricsAnswer, type NerveEvent, type SealedUpdateData, type StateRemovedData } from "../protocol/index.js";
import { ShootState } from "../protocol/contract-schemas.js";
import { verifyToken } from "../common/auth.js";
import { readConfig, type Config } from "../common/config.js";
import type { Env } from "../common/env.js";
import { log, validRequestId, type LogFields } from "../common/log.js";
import {
  CATCH_UP_HEADER, CONNECT_HEADER, ConnectParams, type BatchItemOutcome, type BatchPublishRequest, type DismissShootRequest, type DreamRequest, type DreamResultRequest, type EventsPage, type HubError, type HubResult, type HubRpc,
  type PublishManyRequest, type PublishRequest, type PublishResult, type Snapshot,
} from "../common/hub-rpc.js";
import { errorFrame } from "./client-frame.js";
import { readAttachment, tagsFor, type Attachment } from "./connection.js";
import { Dedup } from "./dedup.js";
import { readDreamConfig } from "./dream/config.js";
import { DreamCycles } from "./dream/cycles.js";
import { DeviceRegistry } from "./devices.js";
import { EventLog } from "./event-log.js";
import { CatchUp } from "./hub/catch-up.js";
import { Inbox } from "./hub/inbox.js";
import { checkSealedValue } from "./hub/sealed-writes.js";
import { ServiceWrites } from "./hub/service-writes.js";
import { Writer } from "./hub/writer.js";
import { HubMetrics } from "./metrics/hub-metrics.js";
import { countRpcOutcome } from "./metrics/rpc-outcomes.js";
import { RateLimiter } from "./rate-limiter.js";
import { Retention } from "./retention.js";
import { migrate } from "./schema.js";
import { Scheduler, type JobHandler } from "./scheduler.js";
import { Sockets } from "./sockets.js";
import { StateStore } from "./state-store.js";

/** The parts a hub drives, over one storage. Built anew after an erasure. */
interface Parts {
  log: EventLog;
  store: StateStore;
  devices: DeviceRegistry;
  sockets: Sockets;
  scheduler: Scheduler;
  writer: Writer;
  dreams: DreamCycles;
  catchUp: CatchUp;
  inbox: Inbox;
  services: ServiceWrites;
  metrics: HubMetrics;
  jobs: Record<string, JobHandler>;
}

const internalError = (message: string) => Response.json({ error: { code: ErrorCode.INTERNAL, message, retryable: true } }, { status: 500 });

/**
 * One user's sync hub: a shell over the runtime's entry points, each guarded, and the RPC methods.
 * The jobs live beside it: `hub/catch-up` (WELCOME to SYNCED), `hub/inbox` (frames in),
 * `hub/writer` (the one write path), `hub/service-writes` (idempotency and the service bucket).
 */
export class UserHub extends DurableObject<Env> implements HubRpc {
  private readonly config: Config;
  private parts!: Parts;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.config = readConfig(env as unknown as Record<string, unknown>);
    this.open();
    this.parts.metrics.woke();
    // Answered by the runtime without waking the object; the timestamp feeds the sweep.
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair("ping", "pong"));
  }

  /** Brings the schema up to date and builds the parts over it. */
  private open(): void {
    const { ctx, env, config } = this;
    const sql = ctx.storage.sql;
    migrate(sql, (fn) => ctx.storage.transactionSync(fn));
    const log = new EventLog(sql);
    const store = new StateStore(sql);
    const devices = new DeviceRegistry(sql);
    const dedup = new Dedup(sql);
    const limiter = new RateLimiter(sql);
    const scheduler = new Scheduler(sql, ctx.storage);
    const metrics = new HubMetrics({ sql, userId: ctx.id.name ?? "", lastSeq: log.lastSeq, now: Date.now(), sink: env.ANALYTICS });
    const sockets = new Sockets(ctx, devices, config.maxUnackedBytes, config.maxServerFrameBytes, metrics);
    const retention = new Retention(log, dedup, scheduler, config, store);
    const writer = new Writer(ctx.storage, log, store, sockets, retention, config);
    const dreams = new DreamCycles({
      sql,
      config: readDreamConfig(env as unknown as Record<string, unknown>),
      readState: (key) => store.get(key)?.value,
      lastSeq: () => log.lastSeq,
      commit: (commits, options) => writer.write(commits, options),
      schedule: (id, due, onlyIfEarlier) => scheduler.schedule(id, due, { onlyIfEarlier }),
      cancelJob: (id) => scheduler.cancel(id),
      fetch: (input, init) => fetch(input, init),
      userId: () => ctx.id.name ?? null,
    });
    const catchUp = new CatchUp(log, store, devices, sockets, config.heartbeatMs, config.maxServerFrameBytes, config.reconnectSpreadMs);
    this.parts = {
      log, store, devices, sockets, scheduler, writer, dreams, catchUp, metrics,
      inbox: new Inbox({ config, verify: (token) => verifyToken(token, env, config), sockets, limiter, dedup, writer, dreams, devices, log, store, catchUp, retention, metrics,
        rescheduleSweep: async (now) => {
          const at = sockets.nextSweep(now, config.heartbeatMs);
          if (at === null) await scheduler.cancel("sweep");
          else await scheduler.schedule("sweep", at);
        },
      }),
      services: new ServiceWrites(dedup, limiter, retention, config),
      jobs: {
        prune: async (_job, now) => {
          await writer.expireShoots(now - retention.shootRetentionMs);
          return retention.run(now);
        },
        sweep: (_job, now) => sockets.sweep(now, config.heartbeatMs),
        dream: (job, now) => dreams.runJob(job, now),
      },
    };
  }

  /** Fields of every log line of this hub: the user, and the request id the Worker handed over. */
  private logFields(rid?: string): LogFields {
    return { hub: this.ctx.id.name, rid: validRequestId(rid) };
  }

  /** The end of every entry point: counters are flushed when due; a failure there never fails the entry point. */
  private settle(): void {
    const { metrics, log: eventLog } = this.parts;
    try {
      // Sockets the runtime holds (a closing one included): a count without reading each attachment,
      // as a point may go out with every write.
      metrics.settle(Date.now(), eventLog.lastSeq, { openSockets: () => this.ctx.getWebSockets().length, storageBytes: () => this.ctx.storage.sql.databaseSize });
    } catch (err) {
      log("error", "metrics flush failed", this.logFields(), err);
    }
  }

  /**
   * Runs an RPC method: counts its refusals and dedup answers, logs a failure with the request id
   * the Worker sent (the Worker logs its side with the same id), and settles the counters.
   */
  private async served<T>(method: string, rid: string | undefined, run: () => Promise<T>): Promise<T> {
    try {
      const result = await run();
      countRpcOutcome(this.parts.metrics, result, { ...this.logFields(rid), method });
      return result;
    } catch (err) {
      log("error", `UserHub.${method} failed`, this.logFields(rid), err);
      throw err;
    } finally {
      this.settle();
    }
  }

  // ---------------------------------------------------------------- runtime entry points

  override async fetch(request: Request): Promise<Response> {
    try {
      return await this.accept(request);
    } catch (err) {
      log("error", "UserHub.fetch failed", this.logFields(), err);
      return internalError("the hub failed to accept the connection");
    } finally {
      this.settle();
    }
  }

  private async accept(request: Request): Promise<Response> {
    const raw = request.headers.get(CONNECT_HEADER);
    if (request.headers.get("Upgrade")?.toLowerCase() !== "websocket" || !raw) {
      return Response.json({ error: { code: ErrorCode.NOT_FOUND, message: "the hub only accepts WebSocket upgrades from the Worker", retryable: false } }, { status: 404 });
    }
    let params: ConnectParams;
    try {
      params = ConnectParams.parse(JSON.parse(raw));
    } catch (err) {
      log("error", "UserHub.fetch: bad connect header from the Worker", this.logFields(), err);
      return internalError("bad connect parameters");
    }
    const { sockets, devices, catchUp, scheduler, metrics } = this.parts;
    const [client, server] = Object.values(new WebSocketPair()) as [WebSocket, WebSocket];
    const headers: Record<string, string> = params.subprotocol ? { "Sec-WebSocket-Protocol": params.subprotocol } : {};
    const upgrade = () => new Response(null, { status: 101, webSocket: client, headers });

    const now = Date.now();
    // Awake anyway: silent sockets go now, so that neither the limit nor the new STATE counts a ghost.
    sockets.sweep(now, this.config.heartbeatMs);
    if (sockets.liveCount() >= this.config.maxConnectionsPerUser) {
      server.accept();
      server.close(CloseCode.TOO_MANY_CONNECTIONS, `too many connections (limit ${this.config.maxConnectionsPerUser})`);
      return upgrade();
    }

    const deviceId = params.deviceId ?? `dev-${crypto.randomUUID()}`;
    const attachment: Attachment = {
      userId: params.userId, deviceId, platform: params.platform, name: params.name, topics: params.topics,
      connectedAt: now, lastMessageAt: now, rejections: 0, rejectionWindowStart: now,
      ...(params.exp !== undefined ? { expiresAt: params.exp * 1000 } : {}),
      ...(params.tokenDevice ? { tokenDevice: true } : {}),
      ...(params.batch ? { batch: true } : {}),
    };
    const resumeFrom = catchUp.canResume(params, deviceId) ? params.since : null;
    const firstOfDevice = sockets.openCount(deviceId) === 0;
    this.ctx.acceptWebSocket(server, tagsFor(deviceId, params.topics));
    metrics.opened();
    try {
      server.serializeAttachment(attachment);
      devices.seen(deviceId, params.platform, params.name, params.topics, now);
      const bytesBefore = metrics.bytesOut;
      const events = catchUp.send(server, attachment, resumeFrom, now);
      const bytes = metrics.bytesOut - bytesBefore;
      metrics.caughtUp(resumeFrom !== null, events, bytes, Date.now() - now);
      // For the Worker's Analytics Engine point (it times the whole hand-over); it strips the header.
      headers[CATCH_UP_HEADER] = `${events} ${bytes} ${resumeFrom !== null ? 1 : 0}`;
      if (firstOfDevice) sockets.presenceChanged(deviceId, now);
      // The next sweep as things stand: presence deadline, idle sweep, or this token's expiry.
      const sweepAt = sockets.nextSweep(now, this.config.heartbeatMs);
      if (sweepAt !== null) await scheduler.schedule("sweep", sweepAt, { onlyIfEarlier: true });
    } catch (err) {
      log("error", "UserHub.fetch: catch-up failed", { ...this.logFields(params.rid), deviceId }, err);
      sockets.close(server, CloseCode.INTERNAL, "the server failed to start this connection");
    }
    return upgrade();
  }

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    this.parts.metrics.received(message);
    const a = readAttachment(ws);
    if (!a) {
      log("error", "UserHub.webSocketMessage: connection without a readable attachment", this.logFields());
      this.parts.sockets.close(ws, CloseCode.INTERNAL, "connection state lost");
      this.settle();
      return;
    }
    try {
      await this.parts.inbox.handle(ws, a, message);
    } catch (err) {
      log("error", "UserHub.webSocketMessage failed", { ...this.logFields(), deviceId: a.deviceId }, err);
      this.parts.sockets.send(ws, errorFrame(undefined, ErrorCode.INTERNAL, "the server failed to handle this message; it was not applied"));
    } finally {
      this.settle();
    }
  }

  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    try {
      this.parts.sockets.gone(ws);
    } catch (err) {
      log("error", "UserHub.webSocketClose failed", this.logFields(), err);
    } finally {
      try {
        ws.close(code === 1005 || code === 1006 ? 1000 : code, reason);
      } catch {
        // already closed
      }
      this.settle();
    }
  }

  override async webSocketError(ws: WebSocket, error: unknown): Promise<void> {
    log("warn", "UserHub.webSocketError", this.logFields(), error);
    try {
      this.parts.sockets.gone(ws);
    } catch (err) {
      log("error", "UserHub.webSocketError: could not mark the connection gone", this.logFields(), err);
    } finally {
      this.settle();
    }
  }

  override async alarm(): Promise<void> {
    this.parts.metrics.alarmRan();
    try {
      await this.parts.scheduler.runDue(Date.now(), this.parts.jobs);
    } catch (err) {
      // Rethrowing makes the runtime retry the alarm with backoff: what a broken run needs.
      log("error", "UserHub.alarm failed", this.logFields(), err);
      throw err;
    } finally {
      this.settle();
    }
  }

  // ---------------------------------------------------------------- RPC from the Worker

  /** A service write of one event. Idempotent by key; rate limited per user. */
  async publish(req: PublishRequest): Promise<HubResult<PublishResult & { duplicate?: boolean }>> {
    return this.served("publish", req.rid, () => this.write({ userId: req.userId, events: [{ type: req.type, data: req.data }], from: req.from, idempotency: req.idempotency }));
  }

  /** A service write of several events, applied together: the answer carries the last seq. */
  async publishMany(req: PublishManyRequest): Promise<HubResult<PublishResult & { seqs: number[]; duplicate?: boolean }>> {
    return this.served("publishMany", req.rid, () => this.write(req));
  }

  private write(req: PublishManyRequest): Promise<HubResult<PublishResult & { seqs: number[]; duplicate?: boolean }>> {
    const sealedRefusal = this.checkServiceSealed(req.events);
    if (sealedRefusal) return Promise.resolve({ error: sealedRefusal });
    const seqsOf = (events: NerveEvent[]) => ({ seq: events.at(-1)!.seq, seqs: events.map((e) => e.seq) });
    return this.parts.services.run(req.from, req.idempotency, (events) => ({ ...seqsOf(events), delivered: 0 }), async (alsoWrite) => {
      const outcome = await this.parts.writer.write(req.events.map((e) => ({ ...e, from: req.from })), { alsoWrite });
      if (!outcome.ok) return { error: outcome.error };
      return { ...seqsOf(outcome.events), delivered: Math.max(...outcome.delivered) };
    });
  }

  /** A service's sealed value must be sealed under the directory's current epoch (sealed-writes.ts). */
  private checkServiceSealed(events: PublishManyRequest["events"]): HubError["error"] | null {
    for (const e of events) {
      if (e.type !== "SEALED_UPDATE") continue;
      const refusal = checkSealedValue(e.data as SealedUpdateData, null, this.parts.store.get(KEYRING_KEY)?.value as Keyring | undefined);
      if (refusal) return refusal;
    }
    return null;
  }

  /** A user's items of a batch publish, in order, in one transaction: one outcome per item. */
  async publishBatch(req: BatchPublishRequest): Promise<BatchItemOutcome[]> {
    return this.served("publishBatch", req.rid, () => this.parts.services.runBatch(req.from, req.items, async (items, alsoWrite) => {
      const outcome = await this.parts.writer.write(items.map((e) => ({ type: e.type, data: e.data, from: req.from })), { alsoWrite });
      return outcome.ok ? { events: outcome.events } : { error: outcome.error };
    }));
  }

  /** `POST /api/sync/dream`: queues a dream cycle for a service. */
  async startDream(req: DreamRequest): Promise<HubResult<{ cycleId: string; seq: number; duplicate?: boolean }>> {
    const recordOf = (events: NerveEvent[]) => ({ cycleId: (events[0]!.data as { cycleId: string }).cycleId, seq: events[0]!.seq });
    return this.served("startDream", req.rid, () => this.parts.services.run(req.from, req.idempotency, recordOf,
      (alsoWrite) => this.parts.dreams.start({ windowHours: req.windowHours, note: req.note }, "service", req.from, { alsoWrite })));
  }

  /** `POST /api/sync/dream-result`: an external dream processor's answer for the running cycle. */
  async dreamResult(req: DreamResultRequest): Promise<HubResult<{ seq: number; duplicate?: boolean }>> {
    return this.served("dreamResult", req.rid, () => this.parts.services.run(req.from, req.idempotency, (events) => ({ seq: events.at(-1)!.seq }),
      (alsoWrite) => this.parts.dreams.externalResult(req.cycleId, req.insights, { alsoWrite })));
  }

  /**
   * A user's own dismissal of a shoot: only a finished or stalled one (a running shoot is its
   * service's). Judged and removed in one write: the removal carries the version it was judged
   * on, so an update landing in between makes it a CONFLICT instead of removing a live shoot.
   */
  async dismissShoot(req: DismissShootRequest): Promise<HubResult<PublishResult>> {
    return this.served("dismissShoot", req.rid, async (): Promise<HubResult<PublishResult>> => {
      const key = `shoots.${req.shootId}`;
      const entry = this.parts.store.get(key);
      if (!entry) return { error: { code: ErrorCode.NOT_FOUND, message: `no shoot ${req.shootId}` } };
      const shoot = ShootState.safeParse(entry.value);
      if (!shoot.success || !shootDismissable(shoot.data, Date.now())) {
        return { error: { code: ErrorCode.CONFLICT, message: `shoot ${req.shootId} is still running; it can be dismissed once it finishes or stalls`, current: entry.value, currentVersion: entry.version } };
      }
      const data: StateRemovedData = { keys: [key], reason: "deleted" };
      const outcome = await this.parts.writer.write([{ type: "STATE_REMOVED", data, from: req.from, baseVersion: entry.version }]);
      if (!outcome.ok) return { error: outcome.error };
      return { seq: outcome.events.at(-1)!.seq, delivered: outcome.delivered.at(-1) ?? 0 };
    });
  }

  /** The user's whole state and device list. */
  async snapshot(userId: string, rid?: string): Promise<Snapshot> {
    return this.served("snapshot", rid, async () => {
      const { log: eventLog, store, sockets } = this.parts;
      // Presence read while awake: a silent socket is reported offline, not left to the idle sweep.
      sockets.sweep(Date.now(), this.config.heartbeatMs);
      const { state, versions } = store.changedSince(0);
      return { userId, seq: eventLog.lastSeq, epoch: eventLog.epoch, state, versions, devices: sockets.deviceList(Date.now()) };
    });
  }

  /**
   * A page of the log after `since`, for clients without a socket: at most `limit` events and about
   * MAX_SERVER_FRAME_BYTES (`hasMore` says when it stopped short). `reset` when the log no longer
   * holds all of it, or the cursor is from another epoch (then the page is empty: those seqs name
   * events of another history).
   */
  async eventsPage(since: number, limit: number, epoch?: string, rid?: string): Promise<EventsPage> {
    return this.served("eventsPage", rid, async () => {
      const { log: eventLog } = this.parts;
      if (epoch !== undefined && epoch !== eventLog.epoch) return { events: [], seq: eventLog.lastSeq, epoch: eventLog.epoch, reset: true, hasMore: eventLog.lastSeq > 0 };
      const n = Math.min(Math.max(1, limit), MAX_EVENTS_PAGE);
      // Bounded by bytes as well as count: well under the 32 MiB RPC limit and what a client can parse.
      const { events, hasMore } = eventLog.page(since, n, this.config.maxServerFrameBytes);
      const reset = !eventLog.canResumeFrom(Math.min(since, eventLog.lastSeq)) || since > eventLog.lastSeq;
      return { events, seq: eventLog.lastSeq, epoch: eventLog.epoch, reset, hasMore };
    });
  }

  /** `GET /api/sync/users/:userId/metrics`: the hub's counters, stored and not yet flushed, with the gauges read now. */
  async readMetrics(userId: string, rid?: string): Promise<MetricsAnswer> {
    return this.served("readMetrics", rid, async () => {
      const { metrics, log: eventLog, sockets } = this.parts;
      return metrics.read(userId, Date.now(), eventLog.lastSeq, { openSockets: sockets.liveCount(), storageBytes: this.ctx.storage.sql.databaseSize });
    });
  }

  /**
   * Erases everything the hub holds for the user (log, state, devices, dedup records, rate buckets,
   * dream work and jobs) and starts a new epoch; the user's sockets are closed with 4011 so their
   * devices reconnect and reset.
   */
  async erase(rid?: string): Promise<{ epoch: string }> {
    return this.served("erase", rid, () => this.eraseAll());
  }

  private async eraseAll(): Promise<{ epoch: string }> {
    const open = this.ctx.getWebSockets();
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
    this.open();
    for (const ws of open) {
      // Gone with the rest: its close handshake, which comes later, is not a close of the new epoch
      // (its counters, presence and devices start empty).
      const a = readAttachment(ws);
      if (a && !a.gone) this.parts.sockets.save(ws, { ...a, gone: true });
      try {
        ws.close(CloseCode.USER_ERASED, "the user's data was erased; reconnect");
      } catch {
        // already closing
      }
    }
    return { epoch: this.parts.log.epoch };
  }
}
