// Serves the deployable bundle on plain workerd for benchmarks (wrangler dev adds ~6-9 ms a request).
// Builds the bundle with `wrangler deploy --dry-run`, writes a capnp config with the same Durable
// Object (SQLite storage on a temp disk), the [vars] of wrangler.toml and a JWT_SECRET, and runs it.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { QUIET_ENV } from "./tool-env.mjs";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const BIN = join(ROOT, "node_modules/.bin");

/** The workerd binary: the one STACK.md names, else the one wrangler ships with. */
export function workerdBinary() {
  const candidates = [
    join(ROOT, "node_modules/@cloudflare/workerd-linux-64/bin/workerd"),
    join(ROOT, "node_modules/wrangler/node_modules/@cloudflare/workerd-linux-64/bin/workerd"),
  ];
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new Error(`no workerd binary in ${candidates.join(" or ")}`);
  return found;
}

/** Minimal reader for the parts of wrangler.toml the config needs: top-level keys and [vars]/[assets]. */
export function readWranglerToml(path = join(ROOT, "wrangler.toml")) {
  const top = {};
  const sections = {};
  let section = "";
  for (const raw of readFileSync(path, "utf8").split("\n")) {
    const line = raw.replace(/\s+#.*$/, "").trim();
    if (!line || line.startsWith("#")) continue;
    const header = /^\[+([^\]]+)\]+$/.exec(line);
    if (header) {
      section = header[1].trim();
      continue;
    }
    const kv = /^([A-Za-z0-9_]+)\s*=\s*(.+)$/.exec(line);
    if (!kv) continue;
    let value;
    try {
      value = JSON.parse(kv[2]);
    } catch {
      value = kv[2];
    }
    if (section === "") top[kv[1]] = value;
    else (sections[section] ??= {})[kv[1]] = value;
  }
  return { top, vars: sections.vars ?? {}, assets: sections.assets };
}

/**
 * `wrangler deploy --dry-run --outdir <dir>`; an empty assets dir stands in for an unbuilt web app.
 * `minify` undefined: as wrangler.toml says (what `npm run deploy` uploads); true/false: forced.
 */
export function buildBundle(outdir, { minify } = {}) {
  const { assets } = readWranglerToml();
  const args = ["deploy", "--dry-run", "--outdir", outdir];
  if (minify !== undefined) args.push(`--minify=${minify}`);
  if (assets?.directory && !existsSync(resolve(ROOT, assets.directory))) args.push("--assets", mkdtempSync(join(tmpdir(), "nerve-assets-")));
  const r = spawnSync(join(BIN, "wrangler"), args, {
    cwd: ROOT, encoding: "utf8", timeout: 120_000,
    env: { ...process.env, ...QUIET_ENV, PATH: `${BIN}:${process.env.PATH ?? ""}` },
  });
  if (r.status !== 0) throw new Error(`wrangler deploy --dry-run failed (${r.status ?? r.signal}):\n${r.stdout}\n${r.stderr}`);
  const file = join(outdir, "index.js");
  const bytes = readFileSync(file);
  return { file, raw: bytes.byteLength, gzip: gzipSync(bytes).byteLength };
}

export function freePort() {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.on("error", fail);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => ok(port));
    });
  });
}

const capnpText = (s) => JSON.stringify(String(s));

/**
 * The CPU time a process has used so far (user + system, all its threads), in ms, from /proc
 * (clock ticks of 10 ms: measure windows of seconds, not single requests).
 */
export function processCpuMs(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").replace(/^.*\) /, "").split(" ");
  // utime and stime are fields 14 and 15 of stat; the text after ") " starts at field 3.
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/**
 * The capnp config (module paths relative to the config file): one worker, the UserHub namespace
 * with SQLite on a local disk, text bindings. `modules`: more ES modules beside the main one
 * (a benchmark's wrapper imports the bundle as `./index.js`); the first module is the entry.
 */
export function capnpConfig({ bundlePath, port, diskPath, vars, compatibilityDate, compatibilityFlags, modules = [] }) {
  const bindings = [
    "(name = \"USER_HUB\", durableObjectNamespace = \"UserHub\")",
    ...Object.entries(vars).map(([k, v]) => `(name = ${capnpText(k)}, text = ${capnpText(v)})`),
  ];
  return `using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [
    (name = "main", worker = .nerve),
    (name = "do-disk", disk = (path = ${capnpText(diskPath)}, writable = true)),
  ],
  sockets = [(name = "http", address = ${capnpText(`127.0.0.1:${port}`)}, http = (), service = "main")],
);

const nerve :Workerd.Worker = (
  modules = [${[...modules, { name: "index.js", path: bundlePath }].map((m) => `(name = ${capnpText(m.name)}, esModule = embed ${capnpText(m.path)})`).join(", ")}],
  compatibilityDate = ${capnpText(compatibilityDate)},
  compatibilityFlags = [${compatibilityFlags.map(capnpText).join(", ")}],
  bindings = [
    ${bindings.join(",\n    ")}
  ],
  durableObjectNamespaces = [(className = "UserHub", uniqueKey = "nerve-bench-UserHub", enableSql = true)],
  durableObjectStorage = (localDisk = "do-disk"),
);
`;
}

function groupAlive(pid) {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Starts workerd on the bundle in its own process group; resolves once `/api/sync/status` answers.
 * `inspectorPort`: serve the V8 inspector there (npm run bench:profile samples through it).
 * @returns {Promise<{url: string, port: number, version: string, pid: number, stop(): Promise<void>}>}
 */
export async function startWorkerd({ workdir, bundlePath, vars, modules = [], name = "workerd", inspectorPort }) {
  const { top } = readWranglerToml();
  const port = await freePort();
  const diskPath = join(workdir, `do-${name}`);
  mkdirSync(diskPath, { recursive: true });
  const configPath = join(workdir, `${name}.capnp`);
  writeFileSync(configPath, capnpConfig({
    bundlePath: relative(workdir, bundlePath), port, diskPath, vars,
    modules: modules.map((m) => ({ name: m.name, path: relative(workdir, m.path) })),
    compatibilityDate: top.compatibility_date ?? "2026-08-01",
    compatibilityFlags: Array.isArray(top.compatibility_flags) ? top.compatibility_flags : [],
  }));
  const bin = workerdBinary();
  const version = spawnSync(bin, ["--version"], { encoding: "utf8" }).stdout.trim();
  const args = ["serve", configPath, "--experimental", ...(inspectorPort ? [`--inspector-addr=127.0.0.1:${inspectorPort}`] : [])];
  const child = spawn(bin, args, { cwd: workdir, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  let log = "";
  const keep = (b) => {
    log = (log + b.toString()).slice(-10_000);
  };
  child.stdout.on("data", keep);
  child.stderr.on("data", keep);
  let exited = null;
  child.on("exit", (code, signal) => {
    exited = code ?? signal;
  });

  const stop = async () => {
    if (!groupAlive(child.pid)) return;
    try {
      process.kill(-child.pid, "SIGTERM");
    } catch {
      /* gone */
    }
    for (let i = 0; i < 50 && groupAlive(child.pid); i++) await new Promise((r) => setTimeout(r, 100));
    if (groupAlive(child.pid)) process.kill(-child.pid, "SIGKILL");
  };

  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (exited !== null) throw new Error(`workerd exited (${exited}) before it was ready:\n${log}`);
    try {
      const res = await fetch(`${url}/api/sync/status`, { signal: AbortSignal.timeout(1000) });
      await res.body?.cancel();
      if (res.ok) break;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`workerd did not answer on ${url} within 30 s:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { url, port, version, pid: child.pid, stop, output: () => log };
}

/**
 * A run's scratch folder and the workerd servers it starts, removed and stopped on a signal, after
 * `limitMs` (the run gave up), or when the caller calls `cleanup`: no run leaves a process behind.
 * @example const run = scratchRun("bench", 600_000); run.servers.push(await startWorkerd(...)); await run.cleanup();
 */
export function scratchRun(name, limitMs) {
  const work = mkdtempSync(join(tmpdir(), `nerve-${name}-`));
  const servers = [];
  let guard;
  const cleanup = async () => {
    clearTimeout(guard);
    await Promise.all(servers.map((s) => s.stop()));
    rmSync(work, { recursive: true, force: true });
  };
  for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => cleanup().finally(() => process.exit(130)));
  guard = setTimeout(() => {
    console.error(`${name}: gave up after ${limitMs / 60_000} minutes`);
    cleanup().finally(() => process.exit(1));
  }, limitMs);
  guard.unref();
  return { work, servers, cleanup };
}

/**
 * Runs a script's body in a `scratchRun`: on failure prints the tail of each server's output and the
 * error (with its cause) and exits 1; otherwise exits 0. Either way the servers stop and the folder goes.
 * @example runScratch("bench", 600_000, async ({ work, servers }) => { servers.push(await startWorkerd(...)); ... });
 */
export function runScratch(name, limitMs, body) {
  const run = scratchRun(name, limitMs);
  const main = async () => {
    try {
      await body(run);
    } catch (err) {
      for (const s of run.servers) console.error(`workerd output (${s.url}):\n${s.output().slice(-2000)}`);
      throw err;
    } finally {
      await run.cleanup();
    }
  };
  main().then(() => process.exit(0), (err) => {
    console.error(`${name} failed: ${err.stack ?? err}${err.cause ? `\ncause: ${err.cause.stack ?? err.cause}` : ""}`);
    process.exit(1);
  });
}
