#!/usr/bin/env node
// `npm run bench:profile`: where a single service POST spends its CPU, measured, not guessed.
// Serves the unminified bundle (readable names) and the floor on plain workerd with the V8
// inspector on, connects 4 devices for each of 25 users, samples the CPU of each while it answers
// the same POSTs (PROFILE_POSTS, default 3,000, 8 in flight, in rounds that alternate between the
// two), and prints self time by source file and by function, and the CPU per POST beside the floor's.
// Options (env): PROFILE_POSTS (3000), PROFILE_ROUNDS (6, alternating), PROFILE_SAMPLE (0: process
// CPU only), PROFILE_BUNDLE (a bundle file to serve instead), PROFILE_CONCURRENCY (8), PROFILE_USERS
// (25), PROFILE_DEVICES (4 a user; 1 user, 2 devices and 16 in flight is the bench's one-hub
// phase), PROFILE_TOP (30), PROFILE_OUT (a folder to write each .cpuprofile to, for Chrome DevTools).
import { randomBytes } from "node:crypto";
import http from "node:http";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { SignJWT } from "jose";
import { ROOT, buildBundle, freePort, processCpuMs, readWranglerToml, runScratch, startWorkerd } from "./bench-workerd.mjs";

const POSTS = Number(process.env.PROFILE_POSTS ?? 3000);
const CONCURRENCY = Number(process.env.PROFILE_CONCURRENCY ?? 8);
const TOP = Number(process.env.PROFILE_TOP ?? 30);
const ROUNDS = Number(process.env.PROFILE_ROUNDS ?? 6);
const USERS = Number(process.env.PROFILE_USERS ?? 25);
const DEVICES = ["phone", "laptop", "tablet", "watch"].slice(0, Number(process.env.PROFILE_DEVICES ?? 4));
// PROFILE_SAMPLE=0: no sampling (it costs CPU of its own), only each process's CPU time.
const SAMPLE = process.env.PROFILE_SAMPLE !== "0";
const SECRET = randomBytes(32).toString("base64url");
const KEY = new TextEncoder().encode(SECRET);
const token = (sub, claims) => new SignJWT(claims).setProtectedHeader({ alg: "HS256" }).setSubject(sub).setIssuedAt().setExpirationTime("1h").sign(KEY);

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
function post(base, auth, path, body) {
  return new Promise((ok, fail) => {
    const payload = Buffer.from(JSON.stringify(body));
    const req = http.request(`${base}${path}`, {
      method: "POST", agent, headers: { Authorization: `Bearer ${auth}`, "Content-Type": "application/json", "Content-Length": payload.length },
    }, (res) => {
      res.resume();
      res.on("end", () => (res.statusCode === 202 ? ok() : fail(new Error(`POST ${path} answered ${res.statusCode}`))));
    });
    req.on("error", fail);
    req.end(payload);
  });
}

/** A device socket that counts events; resolves once open (and, on Nerve, SYNCED). */
function device(base, user, did, waitSynced) {
  return token(user, { did }).then((t) => new Promise((ok, fail) => {
    const ws = new WebSocket(`${base.replace("http", "ws")}/ws?token=${t}&user=${user}&platform=cli`);
    const d = { ws, events: 0 };
    ws.addEventListener("message", (e) => {
      if (e.data === "pong") return;
      const f = JSON.parse(e.data);
      if (f.type === "SYNCED") ok(d);
      else if (typeof f.seq === "number") d.events++;
    });
    ws.addEventListener("open", () => {
      if (!waitSynced) ok(d);
    });
    ws.addEventListener("error", () => fail(new Error(`socket for ${user} failed`)));
  }));
}

/** A minimal Chrome DevTools Protocol session on the inspector's first target. */
async function inspector(port) {
  const targets = await (await fetch(`http://127.0.0.1:${port}/json/list`)).json();
  const ws = new WebSocket(targets[0].webSocketDebuggerUrl);
  await new Promise((ok, fail) => {
    ws.addEventListener("open", ok, { once: true });
    ws.addEventListener("error", fail, { once: true });
  });
  let id = 0;
  const waiting = new Map();
  ws.addEventListener("message", (e) => {
    const msg = JSON.parse(e.data);
    if (msg.id && waiting.has(msg.id)) {
      waiting.get(msg.id)(msg);
      waiting.delete(msg.id);
    }
  });
  const send = (method, params = {}) => new Promise((ok, fail) => {
    const n = ++id;
    waiting.set(n, (msg) => (msg.error ? fail(new Error(`${method}: ${msg.error.message}`)) : ok(msg.result)));
    ws.send(JSON.stringify({ id: n, method, params }));
  });
  return { send, close: () => ws.close() };
}

/** Maps a line of an unminified esbuild bundle to the source file named by the `// path` comment above it. */
function sourceMap(bundleFile) {
  const starts = [];
  readFileSync(bundleFile, "utf8").split("\n").forEach((line, i) => {
    const m = /^\/\/ ((?:node_modules|src|durable-objects|protocol|common)\/\S+)$/.exec(line);
    if (m) starts.push([i, m[1].replace(/^node_modules\/(\.pnpm\/)?/, "npm:").replace(/^(npm:(?:@[^/]+\/)?[^/]+)\/.*$/, "$1")]);
  });
  return (line) => {
    let lo = 0;
    let hi = starts.length - 1;
    let found = "(bundle)";
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (starts[mid][0] <= line) {
        found = starts[mid][1];
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  };
}

/** Self time (ms) by source file and by function from a V8 CPU profile. */
function summarize(profile, fileOf) {
  const dt = new Map();
  profile.samples.forEach((node, i) => dt.set(node, (dt.get(node) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000));
  const byFile = new Map();
  const byFn = new Map();
  let total = 0;
  let busy = 0;
  for (const n of profile.nodes) {
    const t = dt.get(n.id) ?? 0;
    if (!t) continue;
    total += t;
    const { functionName, url, lineNumber } = n.callFrame;
    if (functionName === "(idle)") continue;
    busy += t;
    const file = url ? fileOf(lineNumber) : functionName || "(native)";
    byFile.set(file, (byFile.get(file) ?? 0) + t);
    const fn = `${functionName || "(anonymous)"} ${url ? `${file}:${lineNumber + 1}` : ""}`;
    byFn.set(fn, (byFn.get(fn) ?? 0) + t);
  }
  const top = (m) => [...m].sort((a, b) => b[1] - a[1]);
  return { total, busy, byFile: top(byFile), byFn: top(byFn) };
}

/** A server with its devices connected, its hubs warmed and an inspector session. */
async function prepare(label, server, port, users) {
  const service = await token("profile", { scope: "sync:publish sync:read" });
  const devices = [];
  for (const u of users) for (const did of DEVICES) devices.push(await device(server.url, u, did, label !== "floor"));
  // Warm both the isolate and every hub before sampling.
  for (let i = 0; i < 200; i++) await post(server.url, service, "/api/sync/shoot-progress", { userId: users[i % users.length], shootId: "w", status: "processing", processedCount: i, totalCount: 1e6 });
  const cdp = await inspector(port);
  await cdp.send("Profiler.enable");
  await cdp.send("Profiler.setSamplingInterval", { interval: 50 });
  return { label, server, users, service, devices, cdp, wall: 0, cpu: 0, posts: 0, profiles: [] };
}

/** Samples `posts` POSTs (CONCURRENCY in flight) into one prepared server. */
async function sampleRound(t, posts) {
  if (SAMPLE) await t.cdp.send("Profiler.start");
  const cpu0 = processCpuMs(t.server.pid);
  const t0 = performance.now();
  let next = 0;
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next < posts) {
      const i = t.posts + next++;
      await post(t.server.url, t.service, "/api/sync/shoot-progress", { userId: t.users[i % t.users.length], shootId: `s${i % 5}`, status: "processing", processedCount: i, totalCount: 1e6 });
    }
  }));
  t.wall += performance.now() - t0;
  t.cpu += processCpuMs(t.server.pid) - cpu0;
  t.posts += posts;
  if (SAMPLE) t.profiles.push((await t.cdp.send("Profiler.stop")).profile);
}

/** The rounds' profiles as one: nodes keep their ids per round, so each round's ids are offset. */
function merged(profiles) {
  const out = { nodes: [], samples: [], timeDeltas: [] };
  let offset = 0;
  for (const p of profiles) {
    let max = 0;
    for (const n of p.nodes) {
      out.nodes.push({ ...n, id: n.id + offset, children: n.children?.map((c) => c + offset) });
      max = Math.max(max, n.id);
    }
    out.samples.push(...p.samples.map((s) => s + offset));
    out.timeDeltas.push(...p.timeDeltas);
    offset += max + 1;
  }
  return out;
}

function print(run, posts) {
  const { summary: s } = run;
  console.log(`\n${run.label}: ${posts} POSTs in ${run.wall.toFixed(0)} ms; JavaScript thread busy ${s.busy.toFixed(0)} ms = ${((s.busy / posts) * 1000).toFixed(0)} µs a POST; workerd process CPU ${run.cpu.toFixed(0)} ms = ${((run.cpu / posts) * 1000).toFixed(0)} µs a POST`);
  console.log("  self time by source:");
  for (const [f, t] of s.byFile.slice(0, 20)) console.log(`    ${((t / posts) * 1000).toFixed(1).padStart(7)} µs/POST  ${((t / s.busy) * 100).toFixed(1).padStart(5)}%  ${f}`);
  console.log("  self time by function:");
  for (const [f, t] of s.byFn.slice(0, TOP)) console.log(`    ${((t / posts) * 1000).toFixed(1).padStart(7)} µs/POST  ${((t / s.busy) * 100).toFixed(1).padStart(5)}%  ${f}`);
}

runScratch("profile", 600_000, async ({ work, servers }) => {
  // PROFILE_BUNDLE: a bundle of your own (an experiment's edit of the unminified one) instead.
  const bundle = process.env.PROFILE_BUNDLE ? { file: process.env.PROFILE_BUNDLE } : buildBundle(join(work, "bundle"), { minify: false });
  const { vars } = readWranglerToml();
  const benchVars = { ...vars, JWT_SECRET: SECRET, SERVICE_RATE_LIMIT_PER_MINUTE: "100000000", RATE_LIMIT_PER_MINUTE: "100000000" };
  const users = Array.from({ length: USERS }, (_, i) => `profile-${Date.now()}-${i}`);
  const targets = [];
  for (const [label, path, v] of [["floor", join(ROOT, "scripts/bench-floor-worker.js"), {}], ["nerve", bundle.file, benchVars]]) {
    const port = await freePort();
    const server = await startWorkerd({ workdir: work, bundlePath: path, vars: v, name: label, inspectorPort: port });
    servers.push(server);
    targets.push(await prepare(label, server, port, users));
  }
  // Rounds alternate between the two, so that whatever else the machine does weighs on both alike.
  const perRound = Math.ceil(POSTS / ROUNDS);
  for (let r = 0; r < ROUNDS; r++) for (const t of targets) await sampleRound(t, perRound);
  for (const t of targets) {
    t.cdp.close();
    for (const d of t.devices) d.ws.close();
    if (!SAMPLE) {
      console.log(`${t.label}: ${t.posts} POSTs in ${t.wall.toFixed(0)} ms; workerd process CPU ${t.cpu.toFixed(0)} ms = ${((t.cpu / t.posts) * 1000).toFixed(0)} µs a POST`);
      continue;
    }
    const profile = merged(t.profiles);
    t.summary = summarize(profile, t.label === "floor" ? () => "bench-floor-worker.js" : sourceMap(bundle.file));
    if (process.env.PROFILE_OUT) writeFileSync(join(process.env.PROFILE_OUT, `${t.label}.cpuprofile`), JSON.stringify(profile));
    print(t, t.posts);
  }
  const [f, n] = targets;
  console.log(`\nworkerd process CPU a POST (all threads, user + system): Nerve ${((n.cpu / n.posts) * 1000).toFixed(0)} µs, floor ${((f.cpu / f.posts) * 1000).toFixed(0)} µs (${(n.cpu / n.posts / (f.cpu / f.posts)).toFixed(2)}x)`);
  if (SAMPLE) console.log(`\nCPU a POST: Nerve ${((n.summary.busy / n.posts) * 1000).toFixed(0)} µs, floor ${((f.summary.busy / f.posts) * 1000).toFixed(0)} µs (${(n.summary.busy / n.posts / (f.summary.busy / f.posts)).toFixed(2)}x), over ${ROUNDS} alternating rounds`);
});
