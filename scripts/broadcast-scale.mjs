#!/usr/bin/env node
// `npm run bench:broadcast`: one POST /api/sync/broadcast to BROADCAST_USERS (10,000) users through
// wrangler's local queue simulation (`wrangler dev`, the same runtime as `npm start`), with its
// Durable Object storage on /dev/shm when there is one: every new hub is a new SQLite file, and on
// a shared disk creating files, not the queue, is what a local run measures. Prints the time to
// the 202, the delivery time by the ledger's clock (createdAt -> completedAt) and the hub
// invocations it counted, and checks a sample of users got the event exactly once.
// The same flow is a worker test (test/worker-scale/broadcast-10k.test.ts, npm run test:broadcast-scale).
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { SignJWT } from "jose";
import { ROOT, freePort, readWranglerToml } from "./bench-workerd.mjs";
import { QUIET_ENV } from "./tool-env.mjs";

const USERS = Number(process.env.BROADCAST_USERS ?? 10_000);
const TIMEOUT_MS = Number(process.env.BROADCAST_TIMEOUT_MS ?? 1_200_000);
const SECRET = randomBytes(32).toString("base64url");
const BIN = join(ROOT, "node_modules/.bin");

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const serviceToken = () => new SignJWT({ scope: "sync:publish sync:read" }).setProtectedHeader({ alg: "HS256" }).setSubject("bench-broadcast").setIssuedAt().setExpirationTime("2h").sign(new TextEncoder().encode(SECRET));

async function startWrangler(port, persist) {
  const args = ["dev", "--ip", "127.0.0.1", "--port", String(port), "--persist-to", persist, "--var", `JWT_SECRET:${SECRET}`, "--var", "DEV_SIGN_IN:", "--show-interactive-dev-session=false"];
  const { assets } = readWranglerToml();
  if (assets?.directory && !existsSync(join(ROOT, assets.directory))) args.push("--assets", mkdtempSync(join(tmpdir(), "nerve-assets-")));
  const child = spawn(join(BIN, "wrangler"), args, { cwd: ROOT, detached: true, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...QUIET_ENV, PATH: `${BIN}:${process.env.PATH ?? ""}` } });
  let log = "";
  child.stdout.on("data", (b) => (log = (log + b).slice(-8000)));
  child.stderr.on("data", (b) => (log = (log + b).slice(-8000)));
  const stop = async () => {
    try {
      process.kill(-child.pid, "SIGTERM");
    } catch {
      /* gone */
    }
    await sleep(1000);
    try {
      process.kill(-child.pid, "SIGKILL");
    } catch {
      /* gone */
    }
  };
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      const res = await fetch(`${url}/api/sync/status`, { signal: AbortSignal.timeout(1000) });
      await res.body?.cancel();
      if (res.ok) return { url, stop, output: () => log };
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`wrangler dev did not answer on ${url} within 60 s:\n${log}`);
    }
    await sleep(200);
  }
}

async function main() {
  const persist = mkdtempSync(join(existsSync("/dev/shm") ? "/dev/shm" : tmpdir(), "nerve-broadcast-"));
  const server = await startWrangler(await freePort(), persist);
  const cleanup = async () => {
    await server.stop();
    rmSync(persist, { recursive: true, force: true });
  };
  for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => cleanup().finally(() => process.exit(130)));
  try {
    const token = await serviceToken();
    const headers = { Authorization: `Bearer ${token}`, "Content-Type": "application/json" };
    const prefix = `bc-${Date.now().toString(36)}`;
    const userIds = Array.from({ length: USERS }, (_, i) => `${prefix}-${i}`);
    const t0 = performance.now();
    const res = await fetch(`${server.url}/api/sync/broadcast`, { method: "POST", headers, body: JSON.stringify({ userIds, type: "PROMPT_CHANGE", data: { promptId: "p-bench", action: "created", title: "To everyone" } }) });
    const accepted = await res.json();
    const acceptedMs = performance.now() - t0;
    if (res.status !== 202) throw new Error(`POST /api/sync/broadcast answered ${res.status}: ${JSON.stringify(accepted)}`);
    let status;
    let last = "";
    for (;;) {
      status = await (await fetch(`${server.url}/api/sync/broadcasts/${accepted.broadcastId}`, { headers })).json();
      const line = `${status.applied}/${status.total} applied, ${status.retrying} retrying, ${status.failed} failed`;
      if (line !== last) console.log(`  ${((performance.now() - t0) / 1000).toFixed(1)} s: ${line}`);
      last = line;
      if (status.state === "done") break;
      if (performance.now() - t0 > TIMEOUT_MS) throw new Error(`not done after ${TIMEOUT_MS} ms: ${JSON.stringify(status)}`);
      await sleep(1000);
    }
    const sample = [0, 1, Math.floor(USERS / 2), USERS - 1];
    for (const i of sample) {
      const snap = await (await fetch(`${server.url}/api/sync/users/${userIds[i]}`, { headers })).json();
      if (snap.seq !== 1) throw new Error(`user ${userIds[i]} has seq ${snap.seq}, not 1`);
    }
    const ms = status.completedAt - status.createdAt;
    console.log(`\nbroadcast to ${USERS} users through wrangler's local queue (storage on ${persist.startsWith("/dev/shm") ? "/dev/shm" : "disk"}):`);
    console.log(`  202 after ${acceptedMs.toFixed(0)} ms: ${accepted.batches} queue messages`);
    console.log(`  delivered to all ${status.applied} (failed ${status.failed}) in ${(ms / 1000).toFixed(1)} s by the ledger's clock: ${(status.applied / (ms / 1000)).toFixed(0)} users/s`);
    console.log(`  hub invocations (publish RPCs): ${status.hubCalls}, idempotent replays among them: ${status.duplicates}; ledger reports: ${accepted.batches}`);
    console.log(`  sample users ${sample.join(", ")}: seq 1 each (the event once)`);
    console.log(`  ${cpus().length} cores, load average ${loadavg().map((l) => l.toFixed(2)).join(" ")}`);
  } catch (err) {
    console.error(`wrangler output:\n${server.output().slice(-3000)}`);
    throw err;
  } finally {
    await cleanup();
  }
}

main().then(() => process.exit(0), (err) => {
  console.error(`bench:broadcast failed: ${err.stack ?? err}`);
  process.exit(1);
});
