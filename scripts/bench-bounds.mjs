// One user at every limit cannot degrade another. On plain workerd (scripts/bench-workerd.mjs):
// fills a user to MAX_ANSWERS, MAX_SHOOTS and MAX_STATE_BYTES, then connects 20 of its devices at
// once while another user pings; prints the largest frame, /api/me's size and time, connect times,
// the runtime's memory growth and the other user's ping round trip. A measurement, not a test.
import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { SignJWT } from "jose";
import { buildBundle, readWranglerToml, startWorkerd } from "./bench-workerd.mjs";

const DEVICES = Number(process.env.BENCH_DEVICES ?? 20);
const SECRET = randomBytes(32).toString("base64url");
const KEY = new TextEncoder().encode(SECRET);
const userToken = (sub, did) => new SignJWT(did ? { did } : {}).setProtectedHeader({ alg: "HS256" }).setSubject(sub).setIssuedAt().setExpirationTime("1h").sign(KEY);
const serviceToken = () => new SignJWT({ scope: "sync:publish sync:read" }).setProtectedHeader({ alg: "HS256" }).setSubject("bench").setIssuedAt().setExpirationTime("1h").sign(KEY);

const pct = (s, p) => s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
const summary = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return `p50 ${pct(s, 50).toFixed(2)} ms, p95 ${pct(s, 95).toFixed(2)} ms, max ${s.at(-1).toFixed(2)} ms (n=${s.length})`;
};
const mib = (b) => `${(b / 1048576).toFixed(1)} MiB`;

/** The workerd process serving `workdir`'s config, found by its command line. */
function workerdPid(workdir) {
  for (const pid of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8");
      if (cmd.includes("serve") && cmd.includes(join(workdir, "config.capnp"))) return Number(pid);
    } catch {
      /* gone */
    }
  }
  throw new Error("workerd process not found");
}
const rss = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))[1]) * 1024;

async function post(url, path, token, body, method = "POST") {
  const res = await fetch(url + path, { method, headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: res.status, json: await res.json() };
}

async function pool(n, inFlight, task) {
  let next = 0;
  await Promise.all(Array.from({ length: inFlight }, async () => {
    while (next < n) await task(next++);
  }));
}

/** Opens a socket and reads its catch-up; resolves with the time to SYNCED and the frames' sizes. */
function connect(wsUrl) {
  return new Promise((ok, fail) => {
    const t0 = performance.now();
    const ws = new WebSocket(wsUrl);
    const sizes = [];
    ws.addEventListener("message", (e) => {
      sizes.push(Buffer.byteLength(e.data));
      if (e.data.startsWith('{"type":"SYNCED"')) ok({ ws, ms: performance.now() - t0, sizes });
    });
    ws.addEventListener("error", () => fail(new Error("socket failed")));
    ws.addEventListener("close", (e) => fail(new Error(`closed ${e.code} before SYNCED`)));
  });
}

async function main() {
  const workdir = mkdtempSync(join(tmpdir(), "nerve-bounds-"));
  const bundle = buildBundle(join(workdir, "dist"));
  const { vars } = readWranglerToml();
  // Filling a user takes more writes than a minute's service budget.
  const server = await startWorkerd({ workdir, bundlePath: bundle.file, vars: { ...vars, JWT_SECRET: SECRET, SERVICE_RATE_LIMIT_PER_MINUTE: "1000000" } });
  const pid = workerdPid(workdir);
  const heavy = `heavy-${Date.now()}`;
  const other = `other-${Date.now()}`;
  try {
    const svc = await serviceToken();
    const { url } = server;
    const wsBase = url.replace("http", "ws");
    // Every limit: 200 answers of 4,000 characters, 60 posture changes (the history keeps 50),
    // 1,500 shoots (MAX_SHOOTS keeps 500, the oldest finished evicted), until MAX_STATE_BYTES refuses.
    const t0 = performance.now();
    for (let i = 0; i < 4; i++) {
      const answers = Object.fromEntries(Array.from({ length: 50 }, (_, j) => [`q${i * 50 + j}`, "a".repeat(4000)]));
      await post(url, "/api/sync/state", svc, { userId: heavy, convergence: { answers } });
    }
    for (let i = 0; i < 60; i++) await post(url, "/api/sync/state", svc, { userId: heavy, posture: { posture: ["companion", "copilot", "peer", "expert"][i % 4], reason: "r".repeat(280) } });
    const codes = {};
    await pool(1500, 16, async (i) => {
      const r = await post(url, "/api/sync/shoot-progress", svc, { userId: heavy, shootId: `s${i}`, status: i % 3 ? "completed" : "processing", processedCount: 5, totalCount: 10, errorMessage: "e".repeat(400) });
      const code = r.status === 202 ? "202" : r.json.error.code;
      codes[code] = (codes[code] ?? 0) + 1;
    });
    const over = await post(url, "/api/sync/state", svc, { userId: heavy, convergence: { answers: { extra: "x" } } });
    console.log(`filled ${heavy} in ${((performance.now() - t0) / 1000).toFixed(1)} s; shoot writes: ${JSON.stringify(codes)}; answer 201: ${over.status} ${over.json.error?.code}`);

    const meStart = performance.now();
    const meRes = await fetch(`${url}/api/me`, { headers: { Authorization: `Bearer ${await userToken(heavy)}` } });
    const meText = await meRes.text();
    const meMs = performance.now() - meStart;
    const me = JSON.parse(meText);
    console.log(`GET /api/me: ${meRes.status}, ${Buffer.byteLength(meText)} bytes, ${meMs.toFixed(1)} ms; ${Object.keys(me.state).filter((k) => k.startsWith("shoots.")).length} shoots, ${Object.keys(me.state.convergence.answers).length} answers, ${me.state.posture.history.length} posture entries`);

    // The other user, pinging with the text ping the runtime answers.
    const otherWs = (await connect(`${wsBase}/ws?token=${await userToken(other, "o1")}`)).ws;
    const rtts = [];
    const ping = () => new Promise((ok) => {
      const t = performance.now();
      otherWs.addEventListener("message", function on(e) {
        if (e.data !== "pong") return;
        otherWs.removeEventListener("message", on);
        ok(performance.now() - t);
      });
      otherWs.send("ping");
    });
    for (let i = 0; i < 50; i++) rtts.push(await ping());
    const baseline = [...rtts];
    rtts.length = 0;

    const before = rss(pid);
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, rss(pid))), 10);
    let pinging = true;
    const pinger = (async () => {
      while (pinging) {
        rtts.push(await ping());
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    const tokens = await Promise.all(Array.from({ length: DEVICES }, (_, i) => userToken(heavy, `d${i}`)));
    const started = performance.now();
    const conns = await Promise.all(tokens.map((t) => connect(`${wsBase}/ws?token=${t}`)));
    const allMs = performance.now() - started;
    await new Promise((r) => setTimeout(r, 500));
    pinging = false;
    await pinger;
    clearInterval(sampler);
    const after = rss(pid);
    const sizes = conns.flatMap((c) => c.sizes);
    const parts = conns[0].sizes.length - 2;
    console.log(`${DEVICES} devices connected at once in ${allMs.toFixed(0)} ms; each: ${summary(conns.map((c) => c.ms))}`);
    console.log(`largest frame: ${Math.max(...sizes)} bytes (MAX_SERVER_FRAME_BYTES ${vars.MAX_SERVER_FRAME_BYTES}); STATE in ${parts} parts; ${mib(sizes.reduce((a, b) => a + b, 0))} sent in all`);
    console.log(`workerd RSS: ${mib(before)} before, peak ${mib(peak)} (+${mib(peak - before)}), ${mib(after)} after (+${mib(after - before)})`);
    console.log(`other user's ping RTT: baseline ${summary(baseline)}; during the connects ${summary(rtts)}`);
    for (const c of conns) c.ws.close();
    otherWs.close();
  } finally {
    await server.stop();
    rmSync(workdir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
