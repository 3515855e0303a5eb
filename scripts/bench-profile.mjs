#!/usr/bin/env node
// `npm run bench:profile`: where a single service POST spends its CPU, measured, not guessed.
// Serves the unminified bundle (readable names) and the floor on plain workerd with the V8
// inspector on, connects 4 devices for each of 25 users, samples the CPU of each while it answers
// the same POSTs (PROFILE_POSTS, default 3,000, 8 in flight), and prints self time by source file
// and by function, and the CPU per POST beside the floor's.
// Options (env): PROFILE_POSTS (3000), PROFILE_CONCURRENCY (8), PROFILE_TOP (30), PROFILE_OUT (a
// folder to write each .cpuprofile to, for Chrome DevTools).
import { randomBytes } from "node:crypto";
import http from "node:http";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { SignJWT } from "jose";
import { ROOT, buildBundle, freePort, readWranglerToml, scratchRun, startWorkerd } from "./bench-workerd.mjs";

const POSTS = Number(process.env.PROFILE_POSTS ?? 3000);
const CONCURRENCY = Number(process.env.PROFILE_CONCURRENCY ?? 8);
const TOP = Number(process.env.PROFILE_TOP ?? 30);
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

async function profileRun(label, server, port, users, fileOf, posts) {
  const service = await token("profile", { scope: "sync:publish sync:read" });
  const floor = label === "floor";
  const devices = [];
  for (const u of users) for (const did of ["phone", "laptop", "tablet", "watch"]) devices.push(await device(server.url, u, did, !floor));
  // Warm both the isolate and every hub before sampling.
  for (let i = 0; i < 200; i++) await post(server.url, service, "/api/sync/shoot-progress", { userId: users[i % users.length], shootId: "w", status: "processing", processedCount: i, totalCount: 1e6 });
  const cdp = await inspector(port);
  await cdp.send("Profiler.enable");
  await cdp.send("Profiler.setSamplingInterval", { interval: 50 });
  await cdp.send("Profiler.start");
  const t0 = performance.now();
  let next = 0;
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next < posts) {
      const i = next++;
      await post(server.url, service, "/api/sync/shoot-progress", { userId: users[i % users.length], shootId: `s${i % 5}`, status: "processing", processedCount: i, totalCount: 1e6 });
    }
  }));
  const wall = performance.now() - t0;
  const { profile } = await cdp.send("Profiler.stop");
  cdp.close();
  for (const d of devices) d.ws.close();
  return { label, wall, profile, summary: summarize(profile, fileOf) };
}

function print(run, posts) {
  const { summary: s } = run;
  console.log(`\n${run.label}: ${posts} POSTs in ${run.wall.toFixed(0)} ms; JavaScript thread busy ${s.busy.toFixed(0)} ms = ${((s.busy / posts) * 1000).toFixed(0)} µs a POST`);
  console.log("  self time by source:");
  for (const [f, t] of s.byFile.slice(0, 20)) console.log(`    ${((t / posts) * 1000).toFixed(1).padStart(7)} µs/POST  ${((t / s.busy) * 100).toFixed(1).padStart(5)}%  ${f}`);
  console.log("  self time by function:");
  for (const [f, t] of s.byFn.slice(0, TOP)) console.log(`    ${((t / posts) * 1000).toFixed(1).padStart(7)} µs/POST  ${((t / s.busy) * 100).toFixed(1).padStart(5)}%  ${f}`);
}

async function main() {
  const { work, servers, cleanup } = scratchRun("profile", 600_000);
  try {
    const bundle = buildBundle(join(work, "bundle"), { minify: false });
    const { vars } = readWranglerToml();
    const benchVars = { ...vars, JWT_SECRET: SECRET, SERVICE_RATE_LIMIT_PER_MINUTE: "100000000", RATE_LIMIT_PER_MINUTE: "100000000" };
    const users = Array.from({ length: 25 }, (_, i) => `profile-${Date.now()}-${i}`);
    const runs = [];
    for (const [label, path, v] of [["floor", join(ROOT, "scripts/bench-floor-worker.js"), {}], ["nerve", bundle.file, benchVars]]) {
      const port = await freePort();
      const server = await startWorkerd({ workdir: work, bundlePath: path, vars: v, name: label, inspectorPort: port });
      servers.push(server);
      const fileOf = label === "floor" ? () => "bench-floor-worker.js" : sourceMap(bundle.file);
      const run = await profileRun(label, server, port, users, fileOf, POSTS);
      runs.push(run);
      if (process.env.PROFILE_OUT) writeFileSync(join(process.env.PROFILE_OUT, `${label}.cpuprofile`), JSON.stringify(run.profile));
      await server.stop();
    }
    for (const r of runs) print(r, POSTS);
    const [f, n] = runs;
    console.log(`\nCPU a POST: Nerve ${((n.summary.busy / POSTS) * 1000).toFixed(0)} µs, floor ${((f.summary.busy / POSTS) * 1000).toFixed(0)} µs (${(n.summary.busy / f.summary.busy).toFixed(2)}x)`);
  } finally {
    await cleanup();
  }
}

main().then(() => process.exit(0), (err) => {
  console.error(`profile failed: ${err.stack ?? err}`);
  process.exit(1);
});
