#!/usr/bin/env node
// `npm run simulate`: drives the deployable bundle on plain workerd (scripts/bench-workerd.mjs) with a
// scaled-down, time-compressed workload, counts what it actually incurs, and extrapolates to 10
// million users with Cloudflare's published prices (docs/scale.md holds its output and the sources).
//
// Workload (defaults; env overrides): SIM_USERS users (300), 3 devices each, 50 events per user per
// day, 10% of users connected at peak (a connected user has 1, 2 or 3 devices open: 2 on average),
// devices pinging every heartbeat, ACKing what they get, refreshing their 1-hour tokens in-band
// before they expire. Time runs SIM_COMPRESSION (15) times faster: a 2 s heartbeat stands for 30 s.
//
// Counted: hub invocations by kind, SQL rows read and written and setAlarm calls (scripts/simulate/
// hub-meter.js wraps the bundle's UserHub), hub instances, database bytes, workerd CPU seconds
// (/proc), and at the harness every frame and byte in and out. Two hubs run side by side: the
// current idle sweep, and the old one (a sweep every 2 x heartbeat while a socket is open,
// SIM_LEGACY_SWEEP=1), for the cost of idle wakes before and after.
//
// Phases: connect, idle (sockets only), events (service POSTs to every user), a full 7-day log in
// one hub (storage per user). Every wait is bounded; the run exits by itself (~2-3 minutes).
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, copyFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { SignJWT } from "jose";
import { ROOT, buildBundle, readWranglerToml, startWorkerd } from "./bench-workerd.mjs";
import { PRICES, SOURCES, monthly } from "./simulate/prices.mjs";

const USERS = Number(process.env.SIM_USERS ?? 300);
// x15: a 2 s heartbeat, so that a loaded machine's late pings rarely look like dead sockets.
const K = Number(process.env.SIM_COMPRESSION ?? 15);
const PHASE_SECONDS = Number(process.env.SIM_PHASE_SECONDS ?? 40);
const TARGET_USERS = 10_000_000;
const DEVICES_PER_USER = 3;
const EVENTS_PER_USER_DAY = 50;
const CONNECTED_AT_PEAK = 0.1;
/** Average connected users over a day, as a share of the peak (a diurnal curve). */
const AVERAGE_TO_PEAK = 0.5;
const TOKEN_TTL_S = 3600;
const RETENTION_DAYS = 7;
const HOURS_PER_MONTH = 730;
const HEARTBEAT_MS = Math.round(30_000 / K);
const WAIT_MS = 30_000;
const SECRET = randomBytes(32).toString("base64url");
const KEY = new TextEncoder().encode(SECRET);

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const simHours = (wallSeconds) => (wallSeconds * K) / 3600;

/** A user token living `ttlWallS` wall seconds (1 hour of simulated time by default). */
const userToken = (userId, did, ttlWallS) =>
  new SignJWT({ did }).setProtectedHeader({ alg: "HS256" }).setSubject(userId).setIssuedAt().setExpirationTime(Math.floor(Date.now() / 1000 + ttlWallS)).sign(KEY);
const serviceToken = () => new SignJWT({ scope: "sync:publish sync:read" }).setProtectedHeader({ alg: "HS256" }).setSubject("sim").setIssuedAt().setExpirationTime("2h").sign(KEY);

/** What the harness saw on the wire, per run. */
function wire() {
  return { framesIn: 0, bytesIn: 0, pings: 0, acks: 0, refreshes: 0, bytesOut: 0, posts: 0, postBytes: 0, closedByServer: {} };
}

/** A device as the SDK behaves: ping every heartbeat, a debounced ACK, an in-band REFRESH before exp. */
class Device {
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

async function post(base, token, path, body, counters) {
  const text = JSON.stringify(body);
  counters.posts++;
  counters.postBytes += text.length;
  const res = await fetch(`${base}${path}`, { method: "POST", headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" }, body: text, signal: AbortSignal.timeout(WAIT_MS) });
  const answer = await res.text();
  if (res.status !== 202) throw new Error(`POST ${path}: ${res.status} ${answer.slice(0, 300)}`);
  return JSON.parse(answer);
}

/** One service event of the mix a user gets: shoot progress, credits, prompts. */
function serviceEvent(userId, i) {
  switch (i % 3) {
    case 0: return ["/api/sync/shoot-progress", { userId, shootId: `shoot-${i % 7}`, status: "processing", processedCount: i, totalCount: 800, currentImage: `IMG_${String(i).padStart(4, "0")}.CR3`, eta: 95, provider: "kull-v2" }];
    case 1: return ["/api/sync/credit-update", { userId, newBalance: 4000 - i, change: -1, reason: "image processed" }];
    default: return ["/api/sync/prompt-change", { userId, promptId: `prompt-${i % 40}`, action: "updated", title: "Golden hour" }];
  }
}

const meters = async (base, reset = false) => (await fetch(`${base}/__sim/meters`, { method: reset ? "POST" : "GET" })).json();

/** workerd's CPU seconds so far (user + system), from /proc. */
function cpuSeconds(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Counters of one measured window: hub meters, wire counters and workerd CPU. */
async function measure(server, counters, seconds, during = async () => {}) {
  await meters(server.url, true);
  Object.assign(counters, wire());
  const cpu0 = cpuSeconds(server.pid);
  const t0 = performance.now();
  await during();
  const left = seconds * 1000 - (performance.now() - t0);
  if (left > 0) await sleep(left);
  const wall = (performance.now() - t0) / 1000;
  return { wall, cpu: cpuSeconds(server.pid) - cpu0, hub: await meters(server.url), wire: { ...counters, closedByServer: { ...counters.closedByServer } } };
}

/** Connects the connected share of users (1-3 devices each, tokens part-way through their hour). */
async function connectAll(base, users, counters) {
  const devices = [];
  const connected = users.slice(0, Math.round(users.length * CONNECTED_AT_PEAK));
  for (const [i, userId] of connected.entries()) {
    const open = 1 + (i % DEVICES_PER_USER);
    for (let d = 0; d < open; d++) {
      const dev = new Device(base, userId, `d${d}`, counters);
      await dev.open((TOKEN_TTL_S / K) * (0.2 + 0.8 * Math.random()));
      devices.push(dev);
    }
  }
  return { devices, connectedUsers: connected.length };
}

async function runConfig(name, bundleFile, meterFile, workdir, extraVars) {
  const { vars } = readWranglerToml();
  const server = await startWorkerd({
    workdir, bundlePath: bundleFile, modules: [{ name: "hub-meter.js", path: meterFile }], name,
    vars: { ...vars, ...extraVars, JWT_SECRET: SECRET, HEARTBEAT_MS: String(HEARTBEAT_MS), SERVICE_RATE_LIMIT_PER_MINUTE: "100000", RATE_LIMIT_PER_MINUTE: "100000" },
  });
  return server;
}

async function phases(server, users, { events }) {
  const counters = wire();
  const service = await serviceToken();
  // Every user's hub exists before anything is measured: the month is steady state, not sign-up.
  let next = 0;
  await Promise.all(Array.from({ length: 16 }, async () => {
    while (next < users.length) {
      const res = await fetch(`${server.url}/api/sync/users/${users[next++]}`, { headers: { Authorization: `Bearer ${service}` }, signal: AbortSignal.timeout(WAIT_MS) });
      if (res.status !== 200) throw new Error(`warm-up: GET user answered ${res.status}`);
    }
  }));
  let devices = [];
  let connectedUsers = 0;
  const connect = await measure(server, counters, 0, async () => {
    ({ devices, connectedUsers } = await connectAll(server.url, users, counters));
  });
  devices.forEach((d) => d.live());
  const idle = await measure(server, counters, PHASE_SECONDS);
  let eventsPhase = null;
  if (events) {
    // 50 events per user per day for every user (connected or not), compressed, open loop.
    const perSecond = (users.length * EVENTS_PER_USER_DAY * K) / 86_400;
    let sent = 0;
    const errors = [];
    eventsPhase = await measure(server, counters, PHASE_SECONDS, async () => {
      const t0 = performance.now();
      const inFlight = new Set();
      while (performance.now() - t0 < PHASE_SECONDS * 1000) {
        const due = Math.floor(((performance.now() - t0) / 1000) * perSecond);
        for (; sent < due; sent++) {
          const [path, body] = serviceEvent(users[Math.floor(Math.random() * users.length)], sent);
          const p = post(server.url, service, path, body, counters).catch((e) => errors.push(e)).finally(() => inFlight.delete(p));
          inFlight.add(p);
        }
        await sleep(20);
      }
      await Promise.all(inFlight);
      await sleep(500); // the last ACKs
    });
    if (errors.length) throw new Error(`${errors.length} event POSTs failed`, { cause: errors[0] });
    eventsPhase.events = sent;
  }
  devices.forEach((d) => d.stop());
  return { connect, idle, events: eventsPhase, devices: devices.length, connectedUsers };
}

/** One hub with a full log: 7 days x 50 events through the batch route; its database size. */
async function fullLog(server) {
  const counters = wire();
  const service = await serviceToken();
  const userId = `sim-full-${Date.now()}`;
  const n = RETENTION_DAYS * EVENTS_PER_USER_DAY;
  const m = await measure(server, counters, 0, async () => {
    for (let at = 0; at < n; at += 100) {
      const events = Array.from({ length: Math.min(100, n - at) }, (_, k) => {
        const [path, body] = serviceEvent(userId, at + k);
        const { userId: _u, ...data } = body;
        const type = { "/api/sync/shoot-progress": "SHOOT_PROGRESS", "/api/sync/credit-update": "CREDIT_UPDATE", "/api/sync/prompt-change": "PROMPT_CHANGE" }[path];
        return { userId, type, data };
      });
      await post(server.url, service, "/api/sync/batch", { events }, counters);
    }
  });
  return { events: n, bytes: m.hub.dbBytes[userId], rowsWritten: m.hub.kinds.publish?.rowsWritten ?? 0, batches: counters.posts };
}

function table(rows) {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => String(r[c]).length)));
  const line = (r) => `  ${r.map((v, c) => (c === 0 ? String(v).padEnd(widths[c]) : String(v).padStart(widths[c]))).join("  ")}`;
  return [line(rows[0]), line(widths.map((w) => "-".repeat(w))), ...rows.slice(1).map(line)].join("\n");
}

const sum = (kinds, field, names = Object.keys(kinds)) => names.reduce((s, k) => s + (kinds[k]?.[field] ?? 0), 0);
const n0 = (x) => Math.round(x).toLocaleString("en-US");
const n2 = (x) => (x >= 100 ? n0(x) : x.toFixed(2));
const usd = (x) => `$${x >= 100 ? n0(x) : x.toFixed(x < 1 ? 4 : 2)}`;

/**
 * Per connected user-hour of the idle window, per event of the events window (less the idle
 * window's rate, which runs under it), per connect: the unit costs the month is built from.
 */
function unitCosts(run) {
  const { idle, events, connect, connectedUsers } = run;
  const idleUserHours = connectedUsers * simHours(idle.wall);
  const hubCalls = (m) => sum(m.hub.kinds, "calls", ["connect", "message", "close", "alarm", "publish", "read"]);
  const perUserHour = {
    alarms: (idle.hub.kinds.alarm?.calls ?? 0) / idleUserHours,
    messages: (idle.hub.kinds.message?.calls ?? 0) / idleUserHours,
    pings: idle.wire.pings / idleUserHours,
    rowsRead: sum(idle.hub.kinds, "rowsRead") / idleUserHours,
    rowsWritten: (sum(idle.hub.kinds, "rowsWritten") + idle.hub.alarmsSet) / idleUserHours,
    cpuSeconds: idle.cpu / idleUserHours,
    bytesToDevices: idle.wire.bytesIn / idleUserHours,
    instances: idle.hub.instances / idleUserHours,
  };
  let perEvent = null;
  if (events) {
    const scale = events.wall / idle.wall;
    const over = (x, idleX) => Math.max(0, x - idleX * scale) / events.events;
    perEvent = {
      hubCalls: over(hubCalls(events), hubCalls(idle)),
      messages: over(events.hub.kinds.message?.calls ?? 0, idle.hub.kinds.message?.calls ?? 0),
      rowsRead: over(sum(events.hub.kinds, "rowsRead"), sum(idle.hub.kinds, "rowsRead")),
      rowsWritten: over(sum(events.hub.kinds, "rowsWritten") + events.hub.alarmsSet, sum(idle.hub.kinds, "rowsWritten") + idle.hub.alarmsSet),
      publishRowsWritten: (events.hub.kinds.publish?.rowsWritten ?? 0) / events.events,
      cpuSeconds: over(events.cpu, idle.cpu),
      bytesToDevices: over(events.wire.bytesIn, idle.wire.bytesIn),
      postBytes: events.wire.postBytes / events.events,
      instances: over(events.hub.instances, idle.hub.instances),
    };
  }
  const perConnect = {
    rowsRead: sum(connect.hub.kinds, "rowsRead") / run.devices,
    rowsWritten: (sum(connect.hub.kinds, "rowsWritten") + connect.hub.alarmsSet) / run.devices,
    cpuSeconds: connect.cpu / run.devices,
    bytes: connect.wire.bytesIn / run.devices,
  };
  return { perUserHour, perEvent, perConnect };
}

async function main() {
  const work = mkdtempSync(join(tmpdir(), "nerve-sim-"));
  const servers = [];
  const cleanup = async () => {
    await Promise.all(servers.map((s) => s.stop()));
    rmSync(work, { recursive: true, force: true });
  };
  for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => cleanup().finally(() => process.exit(130)));
  const guard = setTimeout(() => {
    console.error("simulate: gave up after 8 minutes");
    cleanup().finally(() => process.exit(1));
  }, 480_000);
  guard.unref();
  try {
    console.log("building the bundle (wrangler deploy --dry-run) ...");
    const bundle = buildBundle(join(work, "bundle"));
    const meterFile = join(work, "hub-meter.js");
    copyFileSync(join(ROOT, "scripts/simulate/hub-meter.js"), meterFile);
    const current = await runConfig("current", bundle.file, meterFile, work, {});
    servers.push(current);
    const legacy = await runConfig("legacy", bundle.file, meterFile, work, { SIM_LEGACY_SWEEP: "1" });
    servers.push(legacy);
    const users = Array.from({ length: USERS }, (_, i) => `sim-${Date.now().toString(36)}-${i}`);
    const legacyUsers = users.map((u) => `${u}-old`);
    console.log(`workerd ${current.version}; ${USERS} users x ${DEVICES_PER_USER} devices, ${CONNECTED_AT_PEAK * 100}% connected, time x${K} (heartbeat ${HEARTBEAT_MS} ms = 30 s), ${PHASE_SECONDS} s a phase\n`);
    // Both sweeps side by side (the old one needs no events phase: it differs only when idle).
    const [now, old] = await Promise.all([phases(current, users, { events: true }), phases(legacy, legacyUsers, { events: false })]);
    const full = await fullLog(current);
    report(now, old, full);
  } catch (err) {
    for (const s of servers) console.error(`workerd output (${s.url}):\n${s.output().slice(-2000)}`);
    throw err;
  } finally {
    clearTimeout(guard);
    await cleanup();
  }
}

function report(now, old, full) {
  const u = unitCosts(now);
  const o = unitCosts(old);
  console.log("Measured (simulated time: each window is its wall seconds x compression):");
  const kindsRow = (label, m) => [label, ...["connect", "message", "alarm", "publish", "close"].map((k) => n0(m.hub.kinds[k]?.calls ?? 0)), n0(m.wire.pings), n0(sum(m.hub.kinds, "rowsRead")), n0(sum(m.hub.kinds, "rowsWritten") + m.hub.alarmsSet), n0(m.hub.instances), m.cpu.toFixed(2), n0(m.wire.bytesIn)];
  console.log(table([
    ["window", "connects", "ws msgs", "alarms", "publishes", "closes", "pings", "rows read", "rows written", "hub starts", "CPU s", "bytes to devices"],
    kindsRow(`connect ${now.devices} devices of ${now.connectedUsers} users`, now.connect),
    kindsRow(`idle ${simHours(now.idle.wall).toFixed(2)} h, current sweep`, now.idle),
    kindsRow(`idle ${simHours(old.idle.wall).toFixed(2)} h, old 60 s sweep`, old.idle),
    kindsRow(`events ${simHours(now.events.wall).toFixed(2)} h: ${now.events.events} POSTs to ${USERS} users`, now.events),
  ]));
  console.log(`  full 7-day log in one hub: ${full.events} events (${full.batches} batch POSTs) -> ${n0(full.bytes)} bytes of SQLite, ${n0(full.rowsWritten)} rows written (${n2(full.rowsWritten / full.events)} a batched event; ${n2(now.events.hub.kinds.publish.rowsWritten / now.events.events)} a single POST)`);
  console.log(`  sockets closed by the server during the run: ${JSON.stringify(now.idle.wire.closedByServer)} (current), ${JSON.stringify(old.idle.wire.closedByServer)} (old)`);
  const writes = Object.entries(now.events.hub.publishWrites).sort((a, b) => b[1] - a[1]);
  console.log(`  rows written by the ${now.events.events} publishes, by statement:`);
  for (const [query, rows] of writes) console.log(`    ${n2(rows / now.events.events)} a publish  ${query}`);
  const kindRows = (m) => Object.entries(m.hub.kinds).map(([k, v]) => `${k} ${n0(v.rowsWritten)}`).join(", ");
  console.log(`  rows written by invocation kind, events window: ${kindRows(now.events)}; idle window: ${kindRows(now.idle)} (+ ${now.idle.hub.alarmsSet} setAlarm)`);
  console.log("\nUnit costs:");
  console.log(table([
    ["per connected user-hour (2 devices on average)", "current sweep", "old 60 s sweep"],
    ["hub alarm wakes", n2(u.perUserHour.alarms), n2(o.perUserHour.alarms)],
    ["incoming WebSocket messages (ACK, REFRESH) that reach the hub", n2(u.perUserHour.messages), n2(o.perUserHour.messages)],
    ["pings (answered by the runtime, the hub stays asleep)", n2(u.perUserHour.pings), n2(o.perUserHour.pings)],
    ["SQL rows read", n2(u.perUserHour.rowsRead), n2(o.perUserHour.rowsRead)],
    ["SQL rows written (incl. setAlarm)", n2(u.perUserHour.rowsWritten), n2(o.perUserHour.rowsWritten)],
    ["workerd CPU ms", n2(u.perUserHour.cpuSeconds * 1000), n2(o.perUserHour.cpuSeconds * 1000)],
  ]));
  const e = u.perEvent;
  console.log(table([
    ["per service event (POST, 50 per user per day)", "value"],
    ["hub invocations (the publish RPC and what it causes)", n2(e.hubCalls)],
    ["SQL rows read", n2(e.rowsRead)],
    ["SQL rows written in the publish itself", n2(e.publishRowsWritten)],
    ["SQL rows written, all (ACK messages, prune alarms)", n2(e.rowsWritten)],
    ["incoming ACK messages it causes", n2(e.messages)],
    ["workerd CPU ms (Worker + hub)", n2(e.cpuSeconds * 1000)],
    ["bytes to connected devices", n2(e.bytesToDevices)],
    ["bytes of the POST body", n2(e.postBytes)],
  ]));
  console.log(table([
    ["per device connect (catch-up of an empty log)", "value"],
    ["SQL rows read / written", `${n2(u.perConnect.rowsRead)} / ${n2(u.perConnect.rowsWritten)}`],
    ["workerd CPU ms", n2(u.perConnect.cpuSeconds * 1000)],
  ]));

  const plan = (units) => monthly({
    users: TARGET_USERS, connectedAtPeak: CONNECTED_AT_PEAK, averageToPeak: AVERAGE_TO_PEAK, eventsPerUserDay: EVENTS_PER_USER_DAY,
    hoursPerMonth: HOURS_PER_MONTH, tokenTtlS: TOKEN_TTL_S, units, storageBytesPerUser: full.bytes,
  });
  const pn = plan(u);
  const po = plan({ ...u, perUserHour: o.perUserHour });
  console.log(`\nExtrapolated to ${n0(TARGET_USERS)} users a month (${CONNECTED_AT_PEAK * 100}% connected at peak, ${AVERAGE_TO_PEAK * 100}% of that on average; ${n0(pn.volume.events)} events; prices below, allowances taken off once):`);
  console.log(table([
    ["line", "volume (current)", "cost (current)", "volume (old sweep)", "cost (old sweep)"],
    ...pn.lines.map((l, i) => [l.label, n0(l.volume), usd(l.cost), n0(po.lines[i].volume), usd(po.lines[i].cost)]),
    ["total", "", usd(pn.total), "", usd(po.total)],
  ]));
  console.log(table([
    ["cost per connected user-month (a user connected all month, 2 devices, no events)", "value"],
    ["old 60 s sweep", usd(po.perConnectedUserMonth)],
    ["current idle sweep", usd(pn.perConnectedUserMonth)],
    ["  of which DO duration without hibernation would be (the socket pins the object)", usd(pn.unhibernatedDurationPerUserMonth)],
  ]));
  console.log(`\nPrices (USD, Workers Paid): ${Object.entries(PRICES).map(([k, v]) => `${k} ${v.price} per ${v.unit}`).join("; ")}.`);
  console.log(`Sources: ${SOURCES.join(" ")}`);
  const load = loadavg().map((l) => l.toFixed(2)).join(" ");
  console.log(`\nLoopback, ${cpus().length} cores, load average ${load}: CPU seconds include the Worker's share and other work's interference; counts do not.`);
}

main().then(() => process.exit(0), (err) => {
  console.error(`simulate failed: ${err.stack ?? err}${err.cause ? `\ncause: ${err.cause.stack ?? err.cause}` : ""}`);
  process.exit(1);
});
