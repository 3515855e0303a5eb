/**
 * End-to-end harness: runs the real Worker under `wrangler dev` in its own process group, on a free
 * port with a temp persistence dir, and gives tests tokens and WebSocket clients for it.
 *
 *   const nerve = await startNerve();
 *   const ws = await openSocket(`${nerve.wsUrl}?token=${await nerve.userToken("alice", "phone")}`);
 *   await nerve.stop();
 *   const again = await startNerve({ persistDir: nerve.persistDir }); // same state
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { SignJWT } from "jose";
import { ServerFrame } from "../../protocol/index.js";
import { QUIET_ENV } from "../../scripts/tool-env.mjs";
import { FrameClient, type Frame } from "../frame-client.js";
import { TEST_JWT_SECRET } from "../test-secret.js";

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const BIN = join(REPO_ROOT, "node_modules/.bin");


export interface StartOptions {
  /** Reuse a persistence dir (to restart on the same state); default a new temp dir. */
  persistDir?: string;
  /** Extra Worker variables (override wrangler.toml [vars]); JWT_SECRET is set by the harness. */
  vars?: Record<string, string>;
  /** How long to wait for `GET /api/sync/status`; default 60 s. */
  readyTimeoutMs?: number;
}

export interface Nerve {
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** `ws://127.0.0.1:<port>/ws` */
  wsUrl: string;
  port: number;
  persistDir: string;
  /** The JWT_SECRET the Worker runs with. */
  secret: string;
  /** A user (device) token, HS256, valid 10 minutes. */
  userToken(userId: string, deviceId?: string): Promise<string>;
  /** A service token; default scope `sync:publish sync:read`. */
  serviceToken(scope?: string, name?: string): Promise<string>;
  /** Everything wrangler and workerd printed so far (for failure messages). */
  output(): string;
  /** Kills the process group (wrangler and workerd) and waits until every member is gone. */
  stop(): Promise<void>;
}

/** A free TCP port on 127.0.0.1 (bound then released). */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => (port ? resolvePort(port) : reject(new Error("no port"))));
    });
  });
}

function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string, onTimeout?: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${onTimeout ? `\n${onTimeout()}` : ""}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Sends `signal` to the whole group, then SIGKILL if it is still alive after `graceMs`; resolves when it is gone. */
export async function killGroup(child: ChildProcess, graceMs = 5000): Promise<void> {
  const pid = child.pid;
  if (pid === undefined || !groupAlive(pid)) return;
  try {
    process.kill(-pid, "SIGTERM");
  } catch {
    /* already gone */
  }
  try {
    await waitFor(() => !groupAlive(pid), graceMs, "wrangler to exit");
  } catch {
    try {
      process.kill(-pid, "SIGKILL");
    } catch {
      /* gone */
    }
    await waitFor(() => !groupAlive(pid), 5000, "wrangler to die after SIGKILL");
  }
}

/**
 * wrangler refuses to start when the configured assets directory (the built web app) is missing.
 * The API does not need it, so tests that run before a web build serve an empty directory instead.
 */
function assetsArgs(): string[] {
  let section = "";
  let dir: string | undefined;
  for (const line of readFileSync(join(REPO_ROOT, "wrangler.toml"), "utf8").split("\n")) {
    const header = /^\s*\[+([^\]]+)\]+\s*$/.exec(line);
    if (header) section = header[1]!.trim();
    else if (section === "assets") dir ??= /^\s*directory\s*=\s*"([^"]+)"/.exec(line)?.[1];
  }
  if (!dir || existsSync(resolve(REPO_ROOT, dir))) return [];
  return ["--assets", mkdtempSync(join(tmpdir(), "nerve-assets-"))];
}

/** Starts `wrangler dev` and resolves once `GET /api/sync/status` answers 200. */
export async function startNerve(options: StartOptions = {}): Promise<Nerve> {
  const persistDir = options.persistDir ?? mkdtempSync(join(tmpdir(), "nerve-e2e-"));
  const secret = TEST_JWT_SECRET;
  const port = await freePort();
  const inspectorPort = await freePort();
  // An env file instead of .dev.vars: wrangler then ignores the developer's .dev.vars entirely.
  const envFile = join(mkdtempSync(join(tmpdir(), "nerve-env-")), "e2e.env");
  const vars = { ...(options.vars ?? {}), JWT_SECRET: secret };
  writeFileSync(envFile, Object.entries(vars).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join("\n") + "\n", { mode: 0o600 });

  const args = [
    "dev", "--ip", "127.0.0.1", "--port", String(port), "--inspector-port", String(inspectorPort),
    "--persist-to", persistDir, "--env-file", envFile, "--show-interactive-dev-session=false", "--log-level", "warn",
    ...assetsArgs(),
  ];
  const child = spawn(join(BIN, "wrangler"), args, {
    cwd: REPO_ROOT,
    detached: true, // its own process group: stop() kills wrangler and workerd together
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, ...QUIET_ENV, PATH: `${BIN}:${process.env.PATH ?? ""}`, CI: "1" },
  });
  let log = "";
  const keep = (b: Buffer) => {
    log = (log + b.toString()).slice(-20_000);
  };
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);
  let exited: number | string | null = null;
  child.on("exit", (code, signal) => {
    exited = code ?? signal ?? "exit";
  });

  const url = `http://127.0.0.1:${port}`;
  const key = new TextEncoder().encode(secret);
  const nerve: Nerve = {
    url,
    wsUrl: `ws://127.0.0.1:${port}/ws`,
    port,
    persistDir,
    secret,
    userToken: (userId, deviceId) =>
      new SignJWT(deviceId ? { did: deviceId } : {}).setProtectedHeader({ alg: "HS256", typ: "JWT" }).setSubject(userId)
        .setIssuedAt().setExpirationTime("10m").sign(key),
    serviceToken: (scope = "sync:publish sync:read", name = "e2e-service") =>
      new SignJWT({ scope }).setProtectedHeader({ alg: "HS256", typ: "JWT" }).setSubject(name)
        .setIssuedAt().setExpirationTime("10m").sign(key),
    output: () => log,
    stop: () => killGroup(child),
  };

  try {
    await waitFor(async () => {
      if (exited !== null) throw new Error(`wrangler dev exited (${exited}) before it was ready:\n${log}`);
      try {
        const res = await fetch(`${url}/api/sync/status`, { signal: AbortSignal.timeout(2000) });
        await res.body?.cancel();
        return res.status === 200;
      } catch {
        return false;
      }
    }, options.readyTimeoutMs ?? 60_000, `wrangler dev on ${url}`, () => log);
  } catch (err) {
    await killGroup(child);
    throw err;
  }
  return nerve;
}

export type { Frame };

/**
 * Parses a server frame against the protocol's schema. A frame that is not valid JSON or not a
 * valid ServerFrame becomes `{type: "INVALID_FRAME", text, issues}`, so any exact assert on it fails.
 */
export function parseFrame(text: string): Frame {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { type: "INVALID_FRAME", text, issues: ["not JSON"] };
  }
  const parsed = ServerFrame.safeParse(json);
  if (!parsed.success) return { type: "INVALID_FRAME", text, issues: parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`) };
  return json as Frame; // the raw object, so asserts also catch fields the schema does not know
}

/** A Node WebSocket client whose frames are validated against the protocol's ServerFrame. */
export class WsClient extends FrameClient {
  constructor(ws: WebSocket) {
    super(ws, { parse: parseFrame, timeoutMs: 10_000 });
  }

  /** Closes and waits for the close handshake to finish. */
  async close(code = 1000, reason = "done"): Promise<void> {
    if (this.closed) return;
    try {
      this.ws.close(code, reason);
    } catch {
      /* already closing */
    }
    await this.waitClosed();
  }
}

/** Opens a WebSocket (Node 22 global) and resolves once it is open, or rejects on error/close first. */
export function openSocket(url: string, protocols?: string[], timeoutMs = 10_000): Promise<WsClient> {
  return new Promise((resolveWs, reject) => {
    const ws = new WebSocket(url, protocols);
    ws.binaryType = "arraybuffer";
    const client = new WsClient(ws); // listens from the start: no frame is lost before `open`
    const timer = setTimeout(() => {
      ws.close();
      reject(new Error(`WebSocket ${url} did not open in ${timeoutMs} ms`));
    }, timeoutMs);
    ws.addEventListener("open", () => {
      clearTimeout(timer);
      resolveWs(client);
    }, { once: true });
    ws.addEventListener("error", () => {
      clearTimeout(timer);
      reject(new Error(`WebSocket ${url} failed to open`));
    }, { once: true });
  });
}

/** JSON HTTP call against a running Nerve. */
export async function http(base: string, path: string, init: { method?: string; body?: unknown; token?: string; headers?: Record<string, string> } = {}) {
  const headers: Record<string, string> = { ...(init.headers ?? {}) };
  if (init.token) headers.Authorization = `Bearer ${init.token}`;
  if (init.body !== undefined && !headers["Content-Type"]) headers["Content-Type"] = "application/json";
  const res = await fetch(`${base}${path}`, {
    method: init.method ?? (init.body !== undefined ? "POST" : "GET"),
    headers,
    body: init.body === undefined ? undefined : typeof init.body === "string" ? init.body : JSON.stringify(init.body),
    signal: AbortSignal.timeout(15_000),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: res.status, headers: res.headers, json: json as any };
}
