#!/usr/bin/env node
// `npm run bench`: measures Nerve on plain workerd (the deployable bundle, loopback only).
//   - the floor: a request that touches no Durable Object
//   - POST-to-delivery latency: service POST -> the event at 2 connected devices (N sequential)
//   - POST throughput: one user (2 devices listening) and many users, concurrent
//   - WebSocket connect + catch-up (nothing missed, and a full-state reset)
//   - catch-up of 1000 missed events (messages replayed one by one; state ticks coalesced)
//   - bundle size, raw and gzip
// Options (env): BENCH_N (default 500), BENCH_THROUGHPUT (2000), BENCH_CONCURRENCY (16).
// Every loop is bounded, every wait has a timeout, and it exits by itself.
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { SignJWT } from "jose";
import { buildBundle, readWranglerToml, startWorkerd } from "./bench-workerd.mjs";

const N = Number(process.env.BENCH_N ?? 500);
const THROUGHPUT = Number(process.env.BENCH_THROUGHPUT ?? 2000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const MISSED = 1000;
const WAIT_MS = 10_000;
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

  constructor(ws) {
    this.ws = ws;
    ws.addEventListener("message", (e) => {
      const at = performance.now();
      const frame = JSON.parse(e.data);
      if (typeof frame?.type !== "string") throw new Error(`server sent a frame without a type: ${e.data}`);
      this.frames.push({ at, frame });
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

async function post(base, token, path, body) {
  const res = await fetch(`${base}${path}`, {
    method: "POST",
    headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(WAIT_MS),
  });
  const json = await res.json();
  if (res.status !== 202) throw new Error(`POST ${path} answered ${res.status}: ${JSON.stringify(json)}`);
  return json;
}

/** Runs `total` tasks with at most `concurrency` in flight. */
async function pool(total, concurrency, task) {
  let next = 0;
  const worker = async () => {
    while (next < total) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, total) }, worker));
}

async function device(base, userId, did, query = "") {
  const s = await Socket.open(`${base.replace("http", "ws")}/ws?token=${await userToken(userId, did)}&platform=cli${query}`);
  const synced = await s.waitFor((f) => f.type === "SYNCED");
  return { socket: s, synced };
}

const shoot = (userId, shootId, i, total = 1_000_000) => ({ userId, shootId, status: "processing", processedCount: i, totalCount: total });

// ---------------------------------------------------------------- phases

/** The floor: a route that touches no Durable Object, so the rest can be read against it. */
async function baseline(base) {
  const times = [];
  for (let i = 0; i < N + 20; i++) {
    const t0 = performance.now();
    const res = await fetch(`${base}/api/sync/status`, { signal: AbortSignal.timeout(WAIT_MS) });
    await res.json();
    if (res.status !== 200) throw new Error(`GET /api/sync/status answered ${res.status}`);
    if (i >= 20) times.push(performance.now() - t0);
  }
  return stats(times);
}

async function latency(base, service) {
  const user = `bench-latency-${Date.now()}`;
  const a = await device(base, user, "phone");
  const b = await device(base, user, "laptop");
  await a.socket.waitFor((f) => f.type === "DEVICE_CONNECTED");
  const delivery = [];
  const answer = [];
  for (let i = 0; i < N + 20; i++) {
    const fromA = a.socket.frames.length;
    const fromB = b.socket.frames.length;
    const t0 = performance.now();
    const r = await post(base, service, "/api/sync/shoot-progress", shoot(user, "s1", i + 1));
    const t1 = performance.now();
    if (r.delivered !== 2) throw new Error(`expected delivery to 2 devices, got ${JSON.stringify(r)}`);
    const [ea, eb] = await Promise.all([
      a.socket.waitFor((f) => f.type === "SHOOT_PROGRESS" && f.seq === r.seq, fromA),
      b.socket.waitFor((f) => f.type === "SHOOT_PROGRESS" && f.seq === r.seq, fromB),
    ]);
    if (i < 20) continue; // warm-up
    answer.push(t1 - t0);
    delivery.push(Math.max(ea.at, eb.at) - t0);
  }
  await Promise.all([a.socket.close(), b.socket.close()]);
  return { delivery: stats(delivery), answer: stats(answer) };
}

async function throughputOneUser(base, service) {
  const user = `bench-tput-${Date.now()}`;
  const a = await device(base, user, "phone");
  const b = await device(base, user, "laptop");
  const t0 = performance.now();
  let last = 0;
  await pool(THROUGHPUT, CONCURRENCY, async (i) => {
    const r = await post(base, service, "/api/sync/shoot-progress", shoot(user, `s${i % 10}`, i));
    last = Math.max(last, r.seq);
  });
  const posted = performance.now();
  // Every event reaches both devices.
  await Promise.all([a, b].map((d) => d.socket.waitFor((f) => f.type === "SHOOT_PROGRESS" && f.seq === last)));
  const delivered = performance.now();
  const counts = [a, b].map((d) => d.socket.frames.filter((f) => f.frame.type === "SHOOT_PROGRESS").length);
  if (counts.some((c) => c !== THROUGHPUT)) throw new Error(`devices got ${counts} events, expected ${THROUGHPUT} each`);
  await Promise.all([a.socket.close(), b.socket.close()]);
  return { perSecond: THROUGHPUT / ((posted - t0) / 1000), allDeliveredMs: delivered - t0 };
}

async function throughputManyUsers(base, service) {
  const users = Array.from({ length: 100 }, (_, i) => `bench-many-${Date.now()}-${i}`);
  const t0 = performance.now();
  await pool(THROUGHPUT, CONCURRENCY, (i) => post(base, service, "/api/sync/credit-update", { userId: users[i % users.length], newBalance: i, change: 1, reason: "bench" }));
  return { perSecond: THROUGHPUT / ((performance.now() - t0) / 1000), users: users.length };
}

async function connectCatchUp(base, service) {
  const user = `bench-connect-${Date.now()}`;
  for (let i = 0; i < 10; i++) await post(base, service, "/api/sync/shoot-progress", shoot(user, `s${i}`, 1));
  const rounds = 100;
  const resume = [];
  const reset = [];
  for (let i = 0; i < rounds + 5; i++) {
    for (const [query, out] of [["&since=10", resume], ["", reset]]) {
      const t0 = performance.now();
      const d = await device(base, user, "tablet", query);
      const t = d.synced.at - t0;
      await d.socket.close();
      if (i >= 5) out.push(t);
    }
  }
  return { resume: stats(resume), reset: stats(reset) };
}

async function missedCatchUp(base, service) {
  const rounds = 20;
  const results = {};
  for (const kind of ["messages", "ticks"]) {
    const user = `bench-missed-${kind}-${Date.now()}`;
    await pool(MISSED, CONCURRENCY, (i) => kind === "messages"
      ? post(base, service, "/api/sync/prompt-change", { userId: user, promptId: `p${i}`, action: "created", title: `prompt ${i}` })
      : post(base, service, "/api/sync/shoot-progress", shoot(user, `s${i % 10}`, i)));
    const times = [];
    let frames = 0;
    for (let i = 0; i < rounds + 2; i++) {
      const t0 = performance.now();
      const d = await device(base, user, "watch", "&since=0");
      if (i >= 2) times.push(d.synced.at - t0);
      frames = d.socket.frames.length;
      const state = d.socket.frames.find((f) => f.frame.type === "STATE").frame;
      const replayed = d.socket.frames.filter((f) => f.frame.type === "PROMPT_CHANGE").length;
      const keys = Object.keys(state.state).length;
      if (kind === "messages" && replayed !== MISSED) throw new Error(`catch-up replayed ${replayed} of ${MISSED} messages`);
      if (kind === "ticks" && (keys !== 10 || replayed !== 0)) throw new Error(`coalesced catch-up has ${keys} state keys and ${replayed} messages`);
      await d.socket.close();
    }
    results[kind] = { ...stats(times), frames };
  }
  return results;
}

// ---------------------------------------------------------------- main

function table(rows) {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => String(r[c]).length)));
  const line = (r) => `  ${r.map((v, c) => String(v).padEnd(widths[c])).join("  ")}`;
  return [line(rows[0]), line(widths.map((w) => "-".repeat(w))), ...rows.slice(1).map(line)].join("\n");
}

async function main() {
  const work = mkdtempSync(join(tmpdir(), "nerve-bench-"));
  let server;
  const cleanup = async () => {
    await server?.stop();
    rmSync(work, { recursive: true, force: true });
  };
  for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => cleanup().finally(() => process.exit(130)));
  const guard = setTimeout(() => {
    console.error("bench: gave up after 10 minutes");
    cleanup().finally(() => process.exit(1));
  }, 600_000);
  guard.unref();

  try {
    console.log("building the bundle (wrangler deploy --dry-run) ...");
    const bundle = buildBundle(join(work, "bundle"));
    const { vars, top } = readWranglerToml();
    const other = buildBundle(join(work, "bundle-other"), { minify: top.minify !== true });
    // The rate limits would throttle a benchmark by design; everything else is as deployed.
    server = await startWorkerd({
      workdir: work, bundlePath: bundle.file,
      vars: { ...vars, JWT_SECRET: SECRET, SERVICE_RATE_LIMIT_PER_MINUTE: "100000000", RATE_LIMIT_PER_MINUTE: "100000000" },
    });
    const service = await serviceToken();
    console.log(`workerd ${server.version} on ${server.url}; N=${N}, throughput ${THROUGHPUT} POSTs at concurrency ${CONCURRENCY}\n`);

    const floor = await baseline(server.url);
    const lat = await latency(server.url, service);
    const one = await throughputOneUser(server.url, service);
    const many = await throughputManyUsers(server.url, service);
    const conn = await connectCatchUp(server.url, service);
    const missed = await missedCatchUp(server.url, service);

    const row = (name, s) => [name, s.n, ms(s.p50), ms(s.p95), ms(s.p99), ms(s.max)];
    console.log(table([
      ["latency", "n", "p50", "p95", "p99", "max"],
      row("GET /api/sync/status (no Durable Object: the floor)", floor),
      row("service POST -> event at both of 2 devices", lat.delivery),
      row("service POST -> 202 answer", lat.answer),
      row("connect + catch-up, since=latest (resumed)", conn.resume),
      row("connect + full STATE reset (no since)", conn.reset),
      row(`catch-up of ${MISSED} missed messages (PROMPT_CHANGE)`, missed.messages),
      row(`catch-up of ${MISSED} missed ticks on 10 shoots (coalesced)`, missed.ticks),
    ]));
    console.log();
    console.log(table([
      ["throughput", "value"],
      [`POSTs/s, one user, 2 devices listening (concurrency ${CONCURRENCY})`, `${one.perSecond.toFixed(0)} /s`],
      [`  all ${THROUGHPUT} events at both devices after`, ms(one.allDeliveredMs)],
      [`POSTs/s, ${many.users} users (concurrency ${CONCURRENCY})`, `${many.perSecond.toFixed(0)} /s`],
      [`frames in a ${MISSED}-message catch-up`, String(missed.messages.frames)],
      [`frames in a ${MISSED}-tick catch-up`, String(missed.ticks.frames)],
    ]));
    console.log();
    const kib = (b) => `${(b / 1024).toFixed(1)} KiB`;
    console.log(table([
      ["bundle (src/index.ts)", "raw", "gzip"],
      [`as deployed (wrangler.toml minify = ${top.minify === true})`, kib(bundle.raw), kib(bundle.gzip)],
      [top.minify === true ? "for comparison: not minified" : "for comparison: minified", kib(other.raw), kib(other.gzip)],
    ]));
    const load = loadavg().map((l) => l.toFixed(2)).join(" ");
    console.log(`\nLoopback on this machine (${cpus().length} cores, load average now ${load}); the client and workerd share`);
    console.log("its cores, so other work on it inflates these figures. Rate limits raised for the run; all else as deployed.");
  } finally {
    clearTimeout(guard);
    await cleanup();
  }
}

main().then(() => process.exit(0), (err) => {
  console.error(`bench failed: ${err.stack ?? err}`);
  process.exit(1);
});
