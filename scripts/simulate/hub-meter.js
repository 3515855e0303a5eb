// Loaded beside the bundle by `npm run simulate` (scripts/simulate.mjs): the bundle's UserHub with
// meters on every runtime entry point. Counts per kind of invocation: calls, SQL rows read and
// written (the cursors' rowsRead/rowsWritten, which is what Cloudflare bills), setAlarm calls
// (billed as a row written each), hub instances constructed (cold starts and wakes from
// hibernation), and each hub's database size. GET /__sim/meters answers them; POST resets.
// SIM_LEGACY_SWEEP=1 brings back the sweep the hub had before the idle-wake work: every
// 2 x heartbeat while a socket is open (60 s at the default 30 s), whoever watches presence.
import worker, { UserHub as Hub } from "./index.js";

let meters = fresh();
function fresh() {
  return { kinds: {}, instances: 0, alarmsSet: 0, dbBytes: {}, publishWrites: {} };
}

function charge(kind, cursors) {
  const k = (meters.kinds[kind] ??= { calls: 0, rowsRead: 0, rowsWritten: 0 });
  k.calls++;
  for (const [query, c] of cursors) {
    k.rowsRead += c.rowsRead;
    k.rowsWritten += c.rowsWritten;
    // Where a publish's rows written go, by statement: what the write path could save.
    if (kind === "publish" && c.rowsWritten) meters.publishWrites[query] = (meters.publishWrites[query] ?? 0) + c.rowsWritten;
  }
  cursors.length = 0;
}

export class UserHub extends Hub {
  constructor(ctx, env) {
    const cursors = [];
    const sql = ctx.storage.sql;
    const exec = sql.exec.bind(sql);
    sql.exec = (...args) => {
      const cursor = exec(...args);
      cursors.push([String(args[0]).replace(/\s+/g, " ").slice(0, 48), cursor]);
      return cursor;
    };
    const setAlarm = ctx.storage.setAlarm.bind(ctx.storage);
    ctx.storage.setAlarm = (...args) => {
      meters.alarmsSet++;
      return setAlarm(...args);
    };
    super(ctx, env);
    this.meterCursors = cursors;
    meters.instances++;
    charge("construct", cursors);
    if (env.SIM_LEGACY_SWEEP === "1") legacySweep(this, Number(env.HEARTBEAT_MS));
  }

  async metered(kind, run) {
    try {
      return await run();
    } finally {
      charge(kind, this.meterCursors);
      meters.dbBytes[this.ctx.id.name ?? this.ctx.id.toString()] = this.ctx.storage.sql.databaseSize;
    }
  }

  fetch(request) { return this.metered("connect", () => super.fetch(request)); }
  webSocketMessage(ws, message) { return this.metered(message === "ping" ? "ping" : "message", () => super.webSocketMessage(ws, message)); }
  webSocketClose(ws, code, reason) { return this.metered("close", () => super.webSocketClose(ws, code, reason)); }
  webSocketError(ws, error) { return this.metered("close", () => super.webSocketError(ws, error)); }
  alarm() { return this.metered("alarm", () => super.alarm()); }
  publish(req) { return this.metered("publish", () => super.publish(req)); }
  publishBatch(req) { return this.metered("publish", () => super.publishBatch(req)); }
  snapshot(userId) { return this.metered("read", () => super.snapshot(userId)); }
}

/** The old design: the sweep job is never further out than 2 x heartbeat while sockets are open. */
function legacySweep(hub, heartbeatMs) {
  const patch = () => {
    const { sockets, jobs } = hub.parts;
    const next = sockets.nextSweep.bind(sockets);
    sockets.nextSweep = (now, hb) => {
      const at = next(now, hb);
      return at === null ? null : Math.min(at, now + 2 * heartbeatMs);
    };
    const sweep = jobs.sweep;
    jobs.sweep = async (job, now) => {
      const at = await sweep(job, now);
      return at === null ? null : Math.min(at, now + 2 * heartbeatMs);
    };
  };
  patch();
  // erase() builds the parts anew.
  const open = hub.open.bind(hub);
  hub.open = () => {
    open();
    patch();
  };
}

export default {
  fetch(request, env, ctx) {
    if (new URL(request.url).pathname !== "/__sim/meters") return worker.fetch(request, env, ctx);
    if (request.method === "POST") meters = fresh();
    return Response.json(meters);
  },
};
