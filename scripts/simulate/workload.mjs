// The workload of `npm run simulate` (scripts/simulate.mjs): its constants, tokens, the wire
// counters, a device that behaves as the SDK does, and the service events users get.
import { randomBytes } from "node:crypto";
import { SignJWT } from "jose";

export const USERS = Number(process.env.SIM_USERS ?? 300);
// x15: a 2 s heartbeat, so that a loaded machine's late pings rarely look like dead sockets.
export const K = Number(process.env.SIM_COMPRESSION ?? 15);
export const PHASE_SECONDS = Number(process.env.SIM_PHASE_SECONDS ?? 40);
export const TARGET_USERS = 10_000_000;
export const DEVICES_PER_USER = 3;
export const EVENTS_PER_USER_DAY = 50;
export const CONNECTED_AT_PEAK = 0.1;
/** Average connected users over a day, as a share of the peak (a diurnal curve). */
export const AVERAGE_TO_PEAK = 0.5;
export const TOKEN_TTL_S = 3600;
export const RETENTION_DAYS = 7;
export const HOURS_PER_MONTH = 730;
export const HEARTBEAT_MS = Math.round(30_000 / K);
export const WAIT_MS = 30_000;
export const SECRET = randomBytes(32).toString("base64url");
export const KEY = new TextEncoder().encode(SECRET);

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
export const simHours = (wallSeconds) => (wallSeconds * K) / 3600;

/** A user token living `ttlWallS` wall seconds (1 hour of simulated time by default). */
export const userToken = (userId, did, ttlWallS) =>
  new SignJWT({ did }).setProtectedHeader({ alg: "HS256" }).setSubject(userId).setIssuedAt().setExpirationTime(Math.floor(Date.now() / 1000 + ttlWallS)).sign(KEY);
export const serviceToken = () => new SignJWT({ scope: "sync:publish sync:read" }).setProtectedHeader({ alg: "HS256" }).setSubject("sim").setIssuedAt().setExpirationTime("2h").sign(KEY);

/** What the harness saw on the wire, per run. */
export function wire() {
  return { framesIn: 0, bytesIn: 0, pings: 0, acks: 0, refreshes: 0, bytesOut: 0, posts: 0, postBytes: 0, closedByServer: {} };
}


/** A device as the SDK behaves: ping every heartbeat, a debounced ACK, an in-band REFRESH before exp. */
export class Device {
  constructor(base, userId, did, counters) {
    Object.assign(this, { base, userId, did, counters, timers: [], lastSeq: 0, ackTimer: null, closed: false });
  }

  async open(ttlWallS) {
    const token = await userToken(this.userId, this.did, ttlWallS);
    this.exp = Date.now() + ttlWallS * 1000;
    const ws = new WebSocket(`${this.base.replace("http", "ws")}/ws?token=${token}&device=${this.did}&platform=web&batch=1`);
    this.ws = ws;
    await new Promise((ok, fail) => {
      const t = setTimeout(() => fail(new Error(`${this.userId}/${this.did}: no SYNCED in ${WAIT_MS} ms`)), WAIT_MS);
      ws.addEventListener("message", (e) => {
        this.counters.framesIn++;
        this.counters.bytesIn += e.data.length;
        if (e.data === "pong") return;
        const frame = JSON.parse(e.data);
        if (frame.type === "SYNCED") {
          clearTimeout(t);
          ok();
        }
        if (typeof frame.seq === "number" && frame.data !== undefined) this.gotEvent(frame.seq);
      });
      ws.addEventListener("close", (e) => {
        // Closes after stop() are the harness's own.
        if (!this.closed) this.counters.closedByServer[e.code] = (this.counters.closedByServer[e.code] ?? 0) + 1;
        this.closed = true;
        clearTimeout(t);
        fail(new Error(`${this.userId}/${this.did}: closed ${e.code} before SYNCED`));
      });
      ws.addEventListener("error", () => fail(new Error(`${this.userId}/${this.did}: socket error`)));
    });
  }

  send(text) {
    if (this.closed || this.ws.readyState !== WebSocket.OPEN) return;
    this.ws.send(text);
    this.counters.bytesOut += text.length;
  }

  /** Starts the heartbeat (phase-shifted at random, as devices that connected at different times) and the refresh. */
  live() {
    const start = setTimeout(() => {
      this.ping();
      this.timers.push(setInterval(() => this.ping(), HEARTBEAT_MS));
    }, Math.random() * HEARTBEAT_MS);
    this.timers.push(start);
    this.scheduleRefresh();
  }

  ping() {
    this.counters.pings++;
    this.send("ping");
  }

  gotEvent(seq) {
    this.lastSeq = Math.max(this.lastSeq, seq);
    if (this.ackTimer) return;
    // The SDK's ackIntervalMs (10 s), compressed.
    this.ackTimer = setTimeout(() => {
      this.ackTimer = null;
      this.counters.acks++;
      this.send(JSON.stringify({ type: "ACK", data: { seq: this.lastSeq } }));
    }, 10_000 / K);
  }

  /** The SDK refreshes ahead of exp by a share of the lifetime; here 5-10% of it, jittered. */
  scheduleRefresh() {
    const lead = (TOKEN_TTL_S / K) * 1000 * (0.05 + Math.random() * 0.05);
    const t = setTimeout(async () => {
      const token = await userToken(this.userId, this.did, TOKEN_TTL_S / K);
      this.exp = Date.now() + (TOKEN_TTL_S / K) * 1000;
      this.counters.refreshes++;
      this.send(JSON.stringify({ type: "REFRESH", id: `r-${Date.now()}`, data: { token } }));
      this.scheduleRefresh();
    }, Math.max(0, this.exp - Date.now() - lead));
    this.timers.push(t);
  }

  stop() {
    for (const t of this.timers) clearTimeout(t);
    if (this.ackTimer) clearTimeout(this.ackTimer);
    this.closed = true;
    try {
      this.ws.close(1000);
    } catch {
      /* closed */
    }
  }
}

/** One service event of the mix a user gets: shoot progress, credits, prompts. */
export function serviceEvent(userId, i) {
  switch (i % 3) {
    case 0: return ["/api/sync/shoot-progress", { userId, shootId: `shoot-${i % 7}`, status: "processing", processedCount: i, totalCount: 800, currentImage: `IMG_${String(i).padStart(4, "0")}.CR3`, eta: 95, provider: "kull-v2" }];
    case 1: return ["/api/sync/credit-update", { userId, newBalance: 4000 - i, change: -1, reason: "image processed" }];
    default: return ["/api/sync/prompt-change", { userId, promptId: `prompt-${i % 40}`, action: "updated", title: "Golden hour" }];
  }
}
