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
import { copyFileSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { ROOT, buildBundle, processCpuMs, readWranglerToml, runScratch, startWorkerd } from "./bench-workerd.mjs";
import { report } from "./simulate/report.mjs";
import {
  CONNECTED_AT_PEAK, DEVICES_PER_USER, Device, EVENTS_PER_USER_DAY, HEARTBEAT_MS, K, PHASE_SECONDS, RETENTION_DAYS, SECRET,
  TOKEN_TTL_S, USERS, WAIT_MS, serviceEvent, serviceToken, sleep, wire,
} from "./simulate/workload.mjs";

async function post(base, token, path, body, counters) {
  const text = JSON.stringify(body);
  counters.posts++;
  counters.postBytes += text.length;
  const res = await fetch(`${base}${path}`, { method: "POST", headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" }, body: text, signal: AbortSignal.timeout(WAIT_MS) });
  const answer = await res.text();
  if (res.status !== 202) throw new Error(`POST ${path}: ${res.status} ${answer.slice(0, 300)}`);
  return JSON.parse(answer);
}


const meters = async (base, reset = false) => (await fetch(`${base}/__sim/meters`, { method: reset ? "POST" : "GET" })).json();

/** Counters of one measured window: hub meters, wire counters and workerd CPU. */
async function measure(server, counters, seconds, during = async () => {}) {
  await meters(server.url, true);
  Object.assign(counters, wire());
  const cpu0 = processCpuMs(server.pid) / 1000;
  const t0 = performance.now();
  await during();
  const left = seconds * 1000 - (performance.now() - t0);
  if (left > 0) await sleep(left);
  const wall = (performance.now() - t0) / 1000;
  return { wall, cpu: processCpuMs(server.pid) / 1000 - cpu0, hub: await meters(server.url), wire: { ...counters, closedByServer: { ...counters.closedByServer } } };
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

runScratch("simulate", 480_000, async ({ work, servers }) => {
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
});
