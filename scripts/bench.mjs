#!/usr/bin/env node
// `npm run bench`: measures Nerve on plain workerd (the deployable bundle, loopback only) beside
// the floor (scripts/bench-floor-worker.js: a Worker + Durable Object with one SQLite insert per
// event, no auth or validation) served by a second workerd in the same run, and prints each figure
// as a ratio to the floor:
//   - service POST -> 4 devices, 25 users x 4 devices, 200 POSTs/s (open loop, 30 s a side): p50/p99
//   - one hub, 16 concurrent POSTs (2 devices listening): events/s, and workerd's CPU a POST
//   - catch-up of 10,000 and 1,000 missed messages, connect -> SYNCED (with batch=1)
//   - durable events/s into one hub through POST /api/sync/batch, 4 devices receiving every event
//   - idle cost: Durable Object wakes (alarm runs, counted by a wrapper around the bundle's
//     UserHub) per connected device per hour, devices sending only the text `ping`; measured
//     with a short heartbeat and scaled to the default 30 s
//   - bundle size, raw and gzip
// Options (env): BENCH_THROUGHPUT (2000), BENCH_CONCURRENCY (16), BENCH_RATE (200 POSTs/s),
// BENCH_SECONDS (30), BENCH_IDLE_SECONDS (40), BENCH_SLICES (4: the floor and Nerve take turns in the
// two contested phases, POST latency and one hub, so that the machine's other load weighs on both),
// BENCH_PHASES (all: a comma list of fanout, onehub, catchup, batch, idle; for an experiment that
// needs one figure), BENCH_BUNDLE (a bundle file to serve instead of building one: an experiment's
// edit of the unminified bundle, as npm run bench:profile takes).
// Every loop is bounded, every wait has a timeout, and it exits by itself.
import { randomBytes } from "node:crypto";
import http from "node:http";
import { writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { SignJWT } from "jose";
import { ROOT, buildBundle, processCpuMs, readWranglerToml, runScratch, startWorkerd } from "./bench-workerd.mjs";

const THROUGHPUT = Number(process.env.BENCH_THROUGHPUT ?? 2000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const RATE = Number(process.env.BENCH_RATE ?? 200);
// 30 s of 200 POSTs/s: 6,000 samples a side, so that the p99 is the 60th slowest. At 10 s it was the
// 20th, and one 100 ms stall of the machine (the load generator's GC) decided it either way.
const SECONDS = Number(process.env.BENCH_SECONDS ?? 30);
const IDLE_SECONDS = Number(process.env.BENCH_IDLE_SECONDS ?? 40);
const SLICES = Number(process.env.BENCH_SLICES ?? 4);
const ALL_PHASES = ["fanout", "onehub", "catchup", "batch", "idle"];
const PHASES = new Set((process.env.BENCH_PHASES ?? ALL_PHASES.join(",")).split(",").map((p) => p.trim()));
for (const p of PHASES) {
  if (!ALL_PHASES.includes(p)) {
    console.error(`BENCH_PHASES: no phase "${p}"; the phases are ${ALL_PHASES.join(", ")}`);
    process.exit(2);
  }
}
const BATCH_EVENTS = 20_000;
const WAIT_MS = 20_000;
const SECRET = randomBytes(32).toString("base64url");
const KEY = new TextEncoder().encode(SECRET);

// ---------------------------------------------------------------- helpers

const userToken = (userId, did) => new SignJWT(did ? { did } : {}).setProtectedHeader({ alg: "HS256" }).setSubject(userId).setIssuedAt().setExpirationTime("1h").sign(KEY);
const serviceToken = () => new SignJWT({ scope: "sync:publish sync:read" }).setProtectedHeader({ alg: "HS256" }).setSubject("bench").setIssuedAt().setExpirationTime("1h").sign(KEY);

function pct(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}
function stats(samples) {
  const s = [...samples].sort((a, b) => a - b);
  return { n: s.length, p50: pct(s, 50), p95: pct(s, 95), p99: pct(s, 99), max: s.at(-1) };
}
const ms = (x) => `${x.toFixed(2)} ms`;

/** A socket that timestamps every frame on arrival and lets callers wait for one. */
class Socket {
  frames = [];
  waiters = new Set();
  closed = null;

  static open(url, timeoutMs = WAIT_MS) {
    return new Promise((ok, fail) => {
      const s = new Socket(new WebSocket(url));
      const t = setTimeout(() => fail(new Error(`socket ${url} did not open in ${timeoutMs} ms`)), timeoutMs);
      s.ws.addEventListener("open", () => {
        clearTimeout(t);
        ok(s);
      }, { once: true });
      s.ws.addEventListener("error", () => {
        clearTimeout(t);
        fail(new Error(`socket ${url} failed`));
      }, { once: true });
    });
  }

  /** Called with every event (a durable event frame, or each event of an EVENTS frame) and its arrival time. */
  onEvent = null;
  /** false: frames are not kept (long runs); waits see only frames kept before. */
  keep = true;

  constructor(ws) {
    this.ws = ws;
    ws.addEventListener("message", (e) => {
      const at = performance.now();
      if (e.data === "pong") return;
      const frame = JSON.parse(e.data);
      if (typeof frame?.type !== "string") throw new Error(`server sent a frame without a type: ${e.data}`);
      if (this.onEvent) {
        if (frame.type === "EVENTS") for (const ev of frame.events) this.onEvent(ev, at);
        else if (typeof frame.seq === "number" && frame.data) this.onEvent(frame, at);
      }
      if (this.keep || frame.type === "SYNCED" || frame.type === "WELCOME") this.frames.push({ at, frame });
      for (const w of this.waiters) w();
    });
    ws.addEventListener("close", (e) => {
      this.closed = e.code;
      for (const w of this.waiters) w();
    });
  }

  /** Resolves with the first recorded frame (from index `from`) that matches, with its arrival time. */
  waitFor(match, from = 0, timeoutMs = WAIT_MS) {
    return new Promise((ok, fail) => {
      let i = from;
      const check = () => {
        for (; i < this.frames.length; i++) {
          if (match(this.frames[i].frame)) {
            done();
            ok(this.frames[i]);
            return;
          }
        }
        if (this.closed !== null) {
          done();
          fail(new Error(`socket closed (${this.closed}) while waiting`));
        }
      };
      const t = setTimeout(() => {
        done();
        fail(new Error(`timed out after ${timeoutMs} ms; last frames: ${JSON.stringify(this.frames.slice(-3).map((f) => f.frame))}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(t);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
      check();
    });
  }

  close() {
    if (this.closed !== null) return Promise.resolve();
    return new Promise((ok) => {
      const t = setTimeout(ok, 2000);
      this.ws.addEventListener("close", () => {
        clearTimeout(t);
        ok();
      }, { once: true });
      this.ws.close(1000);
    });
  }
}

// POSTs go through node:http with their own keep-alive pool: undici's fetch, sharing its
// dispatcher with the 100 WebSockets of a run, saw connection resets under the open-loop load.
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

/**
 * POSTs a JSON body and expects 202; resolves with the parsed answer. A connection reset before any
 * answer (a kept-alive socket the server closed as it was reused: Node's keep-alive race) is tried
 * once more; an event may then apply twice, which no figure here counts.
 */
async function post(base, token, path, body) {
  try {
    return await postOnce(base, token, path, body);
  } catch (err) {
    if (err?.code !== "ECONNRESET") throw err;
    return postOnce(base, token, path, body);
  }
}

function postOnce(base, token, path, body) {
  return new Promise((ok, fail) => {
    const payload = Buffer.from(JSON.stringify(body));
    const req = http.request(`${base}${path}`, {
      method: "POST", agent, timeout: WAIT_MS,
      headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json", "Content-Length": payload.length },
    }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString();
        if (res.statusCode !== 202) fail(new Error(`POST ${path} answered ${res.statusCode}: ${text.slice(0, 500)}`));
        else ok(JSON.parse(text));
      });
      res.on("error", fail);
    });
    req.on("timeout", () => req.destroy(new Error(`POST ${path} timed out`)));
    req.on("error", fail);
    req.end(payload);
  });
}

/** Runs `total` tasks with at most `concurrency` in flight. */
async function pool(total, concurrency, task) {
  let next = 0;
  const worker = async () => {
    while (next < total) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, total) }, worker));
}

/** A connected device; `user=` names the floor's hub (Nerve ignores it), `synced`: floor sockets have no catch-up. */
async function device(base, userId, did, query = "", { synced = true } = {}) {
  const s = await Socket.open(`${base.replace("http", "ws")}/ws?token=${await userToken(userId, did)}&user=${encodeURIComponent(userId)}&platform=cli${query}`);
  return { socket: s, synced: synced ? await s.waitFor((f) => f.type === "SYNCED") : null };
}

const shoot = (userId, shootId, i, total = 1_000_000) => ({ userId, shootId, status: "processing", processedCount: i, totalCount: total });


// ---------------------------------------------------------------- phases (each on the floor or on Nerve)

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Resolves once `done()` holds, polling; fails after `timeoutMs`. */
async function until(done, what, timeoutMs = WAIT_MS) {
  const deadline = performance.now() + timeoutMs;
  while (!done()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

/**
 * Service POST -> the event at all 4 devices of its user; 25 users, RATE POSTs/s open loop (a POST
 * is sent on schedule, not after the last answer). `prepare` connects the devices; each `slice`
 * sends `count` POSTs and keeps their latencies, so that slices of the floor and of Nerve can take
 * turns within one run (see `alternate`).
 */
async function fanoutLatency({ url: base }, service, floor) {
  const users = Array.from({ length: 25 }, (_, i) => `bench-fan-${Date.now()}-${i}`);
  const pending = new Map();
  const samples = [];
  const devices = [];
  let warm = true;
  for (const user of users) {
    for (const did of ["phone", "laptop", "tablet", "watch"]) {
      const d = await device(base, user, did, "", { synced: !floor });
      d.socket.keep = false;
      d.socket.onEvent = (ev, at) => {
        const p = pending.get(ev.data?.processedCount);
        if (!p || --p.left > 0) return;
        pending.delete(ev.data.processedCount);
        if (!p.warm) samples.push(at - p.t0);
      };
      devices.push(d);
    }
  }
  let failed = 0;
  let sent = 0;
  const slice = async (count) => {
    const errors = [];
    const t0 = performance.now();
    const end = sent + count;
    const first = sent;
    while (sent < end) {
      const due = Math.min(end, first + Math.floor(((performance.now() - t0) * RATE) / 1000) + 1);
      for (; sent < due; sent++) {
        const i = sent;
        pending.set(i, { t0: performance.now(), left: 4, warm });
        post(base, service, "/api/sync/shoot-progress", shoot(users[i % users.length], `s${i % 5}`, i)).catch((e) => {
          // A reset connection (workerd under more load than the machine carries) is counted, not fatal.
          if (e?.code !== "ECONNRESET") errors.push(e);
          failed++;
          pending.delete(i);
        });
      }
      await sleep(1);
    }
    await until(() => pending.size === 0 || errors.length > 0, "every POST at its 4 devices");
    if (errors.length) throw new Error(`${errors.length} POSTs to ${base} failed`, { cause: errors[0] });
  };
  // The first second is warm-up, not counted.
  await slice(RATE);
  warm = false;
  return {
    slice,
    async done() {
      await Promise.all(devices.map((d) => d.socket.close()));
      return { ...stats(samples), failed };
    },
  };
}

/**
 * One hub, CONCURRENCY POSTs in flight, 2 devices listening: events/s while POSTs are answered, over
 * every slice, and the workerd process's CPU a POST (it tells a CPU-bound gap from a waiting one).
 */
async function oneHub(server, service, floor) {
  const base = server.url;
  const user = `bench-tput-${Date.now()}`;
  const ds = [await device(base, user, "phone", "", { synced: !floor }), await device(base, user, "laptop", "", { synced: !floor })];
  const counts = ds.map(() => 0);
  ds.forEach((d, k) => {
    d.socket.keep = false;
    d.socket.onEvent = () => counts[k]++;
  });
  let sent = 0;
  let ms = 0;
  let cpu = 0;
  const slice = async (count) => {
    const t0 = performance.now();
    const cpu0 = processCpuMs(server.pid);
    const first = sent;
    await pool(count, CONCURRENCY, (i) => post(base, service, "/api/sync/shoot-progress", shoot(user, `s${(first + i) % 10}`, first + i)));
    ms += performance.now() - t0;
    cpu += processCpuMs(server.pid) - cpu0;
    sent += count;
    await until(() => counts.every((c) => c >= sent), "every event at both devices");
  };
  return {
    slice,
    async done() {
      await Promise.all(ds.map((d) => d.socket.close()));
      return { rate: sent / (ms / 1000), cpuUs: (cpu / sent) * 1000 };
    },
  };
}

/**
 * Runs a phase on the floor and on Nerve in SLICES turns (floor, Nerve, floor, ...), each turn a
 * share of `total`: whatever else the machine does in the run weighs on both alike.
 */
async function alternate(phase, floorServer, nerveServer, service, total) {
  const f = await phase(floorServer, service, true);
  const n = await phase(nerveServer, service, false);
  const per = Math.ceil(total / SLICES);
  for (let k = 0; k < SLICES; k++) {
    await f.slice(per);
    await n.slice(per);
  }
  return [await f.done(), await n.done()];
}

async function hasBatch(base, service) {
  const res = await fetch(`${base}/api/sync/batch`, {
    method: "POST", headers: { Authorization: `Bearer ${service}`, "Content-Type": "application/json" }, body: JSON.stringify({ events: [] }),
  });
  await res.body?.cancel();
  return res.status !== 404;
}

const promptItem = (userId, i) => ({ userId, type: "PROMPT_CHANGE", data: { promptId: `p${i}`, action: "created", title: `prompt ${i}` } });

/** Catch-up of `missed` messages (PROMPT_CHANGE): connect with since=0&batch=1 -> SYNCED. */
async function missedCatchUp(base, service, missed, rounds, batch) {
  const user = `bench-missed-${missed}-${Date.now()}`;
  if (batch) {
    for (let at = 0; at < missed; at += 1000) {
      await post(base, service, "/api/sync/batch", { events: Array.from({ length: Math.min(1000, missed - at) }, (_, k) => promptItem(user, at + k)) });
    }
  } else {
    await pool(missed, CONCURRENCY, (i) => post(base, service, "/api/sync/prompt-change", { ...promptItem(user, i).data, userId: user }));
  }
  const times = [];
  let frames = 0;
  for (let i = 0; i < rounds + 1; i++) {
    let replayed = 0;
    const t0 = performance.now();
    const s = await Socket.open(`${base.replace("http", "ws")}/ws?token=${await userToken(user, "watch")}&platform=cli&since=0&batch=1`);
    s.onEvent = (ev) => {
      if (ev.type === "PROMPT_CHANGE") replayed++;
    };
    const synced = await s.waitFor((f) => f.type === "SYNCED");
    if (i >= 1) times.push(synced.at - t0);
    frames = s.frames.length;
    if (replayed !== missed) throw new Error(`catch-up replayed ${replayed} of ${missed} messages`);
    await s.close();
  }
  return { ...stats(times), min: Math.min(...times), frames };
}

/** Durable events/s into one hub through POST /api/sync/batch (1,000 a request, 2 in flight), until all 4 devices have every event. */
async function batchIntoHub(base, service, floor) {
  const user = `bench-batch-${Date.now()}`;
  const ds = [];
  // batch=1, as the SDK connects: one write's events reach a device in EVENTS frames.
  for (const did of ["phone", "laptop", "tablet", "watch"]) ds.push(await device(base, user, did, "&batch=1", { synced: !floor }));
  const counts = ds.map(() => 0);
  ds.forEach((d, k) => {
    d.socket.keep = false;
    d.socket.onEvent = () => counts[k]++;
  });
  const t0 = performance.now();
  await pool(BATCH_EVENTS / 1000, 2, (b) => post(base, service, "/api/sync/batch", {
    events: Array.from({ length: 1000 }, (_, k) => ({ userId: user, type: "SHOOT_PROGRESS", data: { shootId: `s${k % 10}`, status: "processing", processedCount: b * 1000 + k, totalCount: 1_000_000 } })),
  }));
  await until(() => counts.every((c) => c >= BATCH_EVENTS), "every batched event at the 4 devices", 60_000);
  const perSecond = BATCH_EVENTS / ((performance.now() - t0) / 1000);
  await Promise.all(ds.map((d) => d.socket.close()));
  return perSecond;
}

/** Wraps the bundle's UserHub to count alarm runs per hub; GET /__bench/wakes answers them. */
const WAKE_COUNTER = `import worker, { UserHub as Hub } from "./index.js";
const wakes = {};
export class UserHub extends Hub {
  async alarm(...args) {
    const name = this.ctx.id.name ?? this.ctx.id.toString();
    wakes[name] = (wakes[name] ?? 0) + 1;
    return super.alarm(...args);
  }
}
export default {
  fetch(request, env, ctx) {
    return new URL(request.url).pathname === "/__bench/wakes" ? Response.json(wakes) : worker.fetch(request, env, ctx);
  },
};
`;

/**
 * Idle cost: devices that only send the text `ping` (answered by the runtime), for IDLE_SECONDS
 * with HEARTBEAT_MS=2000; the alarm runs counted per hub are scaled to the default 30 s heartbeat.
 */
async function idleWakes(base, heartbeatMs) {
  const groups = { "1 device per user": { users: 8, devices: 1 }, "2 devices per user": { users: 4, devices: 2 }, "4 devices per user": { users: 2, devices: 4 } };
  const sockets = [];
  const members = {};
  for (const [label, g] of Object.entries(groups)) {
    members[label] = [];
    for (let u = 0; u < g.users; u++) {
      const user = `bench-idle-${g.devices}-${u}-${Date.now()}`;
      members[label].push(user);
      for (let k = 0; k < g.devices; k++) {
        const d = await device(base, user, `d${k}`);
        d.socket.keep = false;
        sockets.push(d.socket);
      }
    }
  }
  const pinger = setInterval(() => sockets.forEach((s) => s.ws.send("ping")), heartbeatMs / 2);
  await sleep(IDLE_SECONDS * 1000);
  clearInterval(pinger);
  const wakes = await (await fetch(`${base}/__bench/wakes`)).json();
  const closed = sockets.filter((s) => s.closed !== null).length;
  await Promise.all(sockets.map((s) => s.close()));
  const hours = (IDLE_SECONDS * (30_000 / heartbeatMs)) / 3600;
  const perHour = Object.fromEntries(Object.entries(groups).map(([label, g]) => {
    const n = members[label].reduce((sum, user) => sum + (wakes[user] ?? 0), 0);
    return [label, n / (g.users * g.devices) / hours];
  }));
  return { perHour, closed, devices: sockets.length };
}

// ---------------------------------------------------------------- main

function table(rows) {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => String(r[c]).length)));
  const line = (r) => `  ${r.map((v, c) => String(v).padEnd(widths[c])).join("  ")}`;
  return [line(rows[0]), line(widths.map((w) => "-".repeat(w))), ...rows.slice(1).map(line)].join("\n");
}

runScratch("bench", 600_000, async ({ work, servers }) => {
  console.log(process.env.BENCH_BUNDLE ? `serving ${process.env.BENCH_BUNDLE} (BENCH_BUNDLE)` : "building the bundle (wrangler deploy --dry-run) ...");
  const bundle = process.env.BENCH_BUNDLE ? { file: process.env.BENCH_BUNDLE } : buildBundle(join(work, "bundle"));
  const { vars, top } = readWranglerToml();
  // The rate limits would throttle a benchmark by design; everything else is as deployed.
  const benchVars = { ...vars, JWT_SECRET: SECRET, SERVICE_RATE_LIMIT_PER_MINUTE: "100000000", RATE_LIMIT_PER_MINUTE: "100000000" };
  const nerve = await startWorkerd({ workdir: work, bundlePath: bundle.file, vars: benchVars, name: "nerve" });
  servers.push(nerve);
  const floor = await startWorkerd({ workdir: work, bundlePath: join(ROOT, "scripts/bench-floor-worker.js"), vars: {}, name: "floor" });
  servers.push(floor);
  const service = await serviceToken();
  console.log(`workerd ${nerve.version}: Nerve on ${nerve.url}, the floor on ${floor.url}\n`);

  const x = (n, f) => `${(n / f).toFixed(2)}x`;
  const range = (s) => `${s.p50.toFixed(1)} ms (${s.min.toFixed(1)}-${s.max.toFixed(1)}), ${s.frames} frames`;
  const rows = [["figure", "floor", "Nerve", "Nerve / floor", "goal"]];
  if (PHASES.has("fanout")) {
    const [fanF, fanN] = await alternate(fanoutLatency, floor, nerve, service, RATE * SECONDS);
    rows.push(
      [`service POST -> 4 devices, 25 users x 4 devices, ${RATE} POSTs/s: p99`, ms(fanF.p99), ms(fanN.p99), x(fanN.p99, fanF.p99), "<= 1.25x"],
      ...(fanF.failed || fanN.failed ? [["  POSTs reset by workerd (not in the figures)", String(fanF.failed), String(fanN.failed), "", ""]] : []),
      ["  the same: p50", ms(fanF.p50), ms(fanN.p50), x(fanN.p50, fanF.p50), ""],
    );
  }
  if (PHASES.has("onehub")) {
    const [hubF, hubN] = await alternate(oneHub, floor, nerve, service, THROUGHPUT);
    rows.push(
      [`one hub, ${CONCURRENCY} concurrent POSTs: events/s`, hubF.rate.toFixed(0), hubN.rate.toFixed(0), x(hubN.rate, hubF.rate), ">= 0.9x"],
      ["  the same: workerd CPU a POST (all threads)", `${hubF.cpuUs.toFixed(0)} µs`, `${hubN.cpuUs.toFixed(0)} µs`, x(hubN.cpuUs, hubF.cpuUs), ""],
    );
  }
  const batch = await hasBatch(nerve.url, service);
  if (PHASES.has("catchup")) {
    const c10k = await missedCatchUp(nerve.url, service, 10_000, 5, batch);
    const c1k = await missedCatchUp(nerve.url, service, 1_000, 10, batch);
    rows.push(
      ["catch-up of 10,000 missed messages, connect -> SYNCED: median (min-max)", "-", range(c10k), "-", "<= 100 ms"],
      ["catch-up of 1,000 missed messages: median (min-max)", "-", range(c1k), "-", "<= 15 ms"],
    );
  }
  if (PHASES.has("batch")) {
    const batF = await batchIntoHub(floor.url, service, true);
    const batN = batch ? await batchIntoHub(nerve.url, service, false) : null;
    rows.push(["durable events/s into one hub via POST /api/sync/batch, 4 devices", batF.toFixed(0), batN === null ? "no batch API" : batN.toFixed(0), batN === null ? "-" : x(batN, batF), ">= 5,000/s"]);
  }
  await nerve.stop();
  console.log(table(rows));

  if (PHASES.has("idle")) {
    const counter = join(work, "wake-counter.js");
    writeFileSync(counter, WAKE_COUNTER);
    const idleHb = 2000;
    const idle = await startWorkerd({
      workdir: work, bundlePath: bundle.file, modules: [{ name: "wake-counter.js", path: counter }], name: "idle",
      vars: { ...benchVars, HEARTBEAT_MS: String(idleHb) },
    });
    servers.push(idle);
    const wakes = await idleWakes(idle.url, idleHb);
    console.log();
    console.log(table([
      ["idle: hub wakes (alarm runs) per connected device per hour, pinging devices, 30 s heartbeat", "value"],
      ...Object.entries(wakes.perHour).map(([label, v]) => [`  ${label}`, v.toFixed(1)]),
    ]));
    if (wakes.closed) console.log(`  (${wakes.closed} of ${wakes.devices} pinging sockets were closed by the sweep: the load generator fell behind its pings)`);
  }
  if (!process.env.BENCH_BUNDLE) {
    const other = buildBundle(join(work, "bundle-other"), { minify: top.minify !== true });
    const kib = (b) => `${(b / 1024).toFixed(1)} KiB`;
    console.log();
    console.log(table([
      ["bundle (src/index.ts)", "raw", "gzip"],
      [`as deployed (wrangler.toml minify = ${top.minify === true})`, kib(bundle.raw), kib(bundle.gzip)],
      [top.minify === true ? "for comparison: not minified" : "for comparison: minified", kib(other.raw), kib(other.gzip)],
    ]));
  }
  const load = loadavg().map((l) => l.toFixed(2)).join(" ");
  console.log(`\nLoopback on this machine (${cpus().length} cores, load average now ${load}); the client and workerd share`);
  console.log("its cores, so other work on it inflates these figures. Rate limits raised for the run; all else as deployed.");
});
