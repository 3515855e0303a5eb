import { decodeJwt, SignJWT } from "jose";
import { env, runDurableObjectAlarm, runInDurableObject, SELF } from "cloudflare:test";
import type { EventType } from "../../protocol/index.js";
import { FrameClient, type Frame } from "../frame-client.js";
import { TEST_JWT_SECRET } from "../test-secret.js";

const key = new TextEncoder().encode(TEST_JWT_SECRET);
let counter = 0;

/** A user id no other test uses: storage is shared across tests. */
export function uniqueUser(label = "u"): string {
  counter += 1;
  return `${label}-${Date.now().toString(36)}-${counter}-${Math.random().toString(36).slice(2, 8)}`;
}

export async function userToken(userId: string, options: { device?: string; ttl?: number; secret?: Uint8Array; aud?: string } = {}): Promise<string> {
  let jwt = new SignJWT(options.device ? { did: options.device } : {}).setProtectedHeader({ alg: "HS256" }).setSubject(userId).setIssuedAt().setExpirationTime(Math.floor(Date.now() / 1000) + (options.ttl ?? 600));
  if (options.aud) jwt = jwt.setAudience(options.aud);
  return jwt.sign(options.secret ?? key);
}

/**
 * Waits until a token's `exp` has passed (plus 100 ms). A token minted with `ttl: n` expires
 * between n - 1 and n s from now (`exp` is in whole seconds), so a test that needs an expired
 * token mints one with room to connect first (a few seconds) and then waits for its real end.
 */
export async function untilExpired(token: string): Promise<void> {
  const wait = (decodeJwt(token).exp as number) * 1000 + 100 - Date.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
}

export async function serviceToken(scope = "sync:publish sync:read", name = "test-service"): Promise<string> {
  return new SignJWT({ scope }).setProtectedHeader({ alg: "HS256" }).setSubject(name).setIssuedAt().setExpirationTime(Math.floor(Date.now() / 1000) + 600).sign(key);
}

export type { Frame };

/** The frame client over a socket opened through the Worker; `response` is the upgrade's answer. */
export class TestClient extends FrameClient {
  constructor(ws: WebSocket, readonly response: Response) {
    super(ws);
  }

  close() {
    try {
      this.ws.close(1000, "done");
    } catch {
      /* already closed */
    }
  }
}

/** Opens `/ws` through the Worker and accepts the client end. */
export async function connect(query: Record<string, string | number | undefined>, headers: Record<string, string> = {}): Promise<TestClient> {
  const qs = new URLSearchParams(Object.entries(query).filter(([, v]) => v !== undefined).map(([k, v]) => [k, String(v)]));
  const res = await SELF.fetch(`https://nerve.test/ws?${qs}`, { headers: { Upgrade: "websocket", ...headers } });
  const ws = res.webSocket;
  if (!ws) throw new Error(`no WebSocket in the answer: ${res.status} ${await res.text()}`);
  ws.accept();
  return new TestClient(ws, res);
}

/** Connects a device of a user and reads its catch-up. */
export async function device(userId: string, deviceId: string, query: Record<string, string | number | undefined> = {}, token: { ttl?: number } = {}) {
  const client = await connect({ token: await userToken(userId, token), device: deviceId, ...query });
  const catchUp = await client.catchUp();
  return { client, catchUp };
}

export async function api(path: string, init: { method?: string; body?: unknown; token?: string; headers?: Record<string, string> } = {}) {
  const headers: Record<string, string> = { ...(init.headers ?? {}) };
  if (init.token) headers.Authorization = `Bearer ${init.token}`;
  if (init.body !== undefined && !headers["Content-Type"]) headers["Content-Type"] = "application/json";
  const res = await SELF.fetch(`https://nerve.test${path}`, {
    method: init.method ?? (init.body !== undefined ? "POST" : "GET"),
    headers,
    body: init.body === undefined ? undefined : typeof init.body === "string" ? init.body : JSON.stringify(init.body),
  });
  const text = await res.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: res.status, headers: res.headers, json };
}

export const shoot = (userId: string, shootId: string, processedCount: number, totalCount = 100, extra: Record<string, unknown> = {}) => ({
  userId, shootId, status: processedCount >= totalCount ? "completed" : "processing", processedCount, totalCount, ...extra,
});

/** Runs `n` requests with a few in flight at once (order of completion is not order of seq). */
export async function concurrently(n: number, task: (i: number) => Promise<unknown>, inFlight = 20): Promise<void> {
  let next = 1;
  await Promise.all(Array.from({ length: inFlight }, async () => {
    while (next <= n) await task(next++);
  }));
}

/** The user's hub stub. */
export const hubOf = (userId: string) => env.USER_HUB.get(env.USER_HUB.idFromName(userId));

/**
 * Publishes through the hub's RPC method, the same path the service routes take after auth.
 * For bulk setup: requests through SELF.fetch cost ~10 ms each inside the test pool.
 */
export async function publishDirect(userId: string, type: EventType, data: unknown, from = "test-service") {
  const r = await hubOf(userId).publish({ userId, type, data, from });
  if ("error" in r) throw new Error(`publish refused: ${JSON.stringify(r.error)}`);
  return r;
}

/** Runs the user's heartbeat sweep now, as its alarm would, and says whether the alarm ran. */
export async function sweepNow(userId: string): Promise<boolean> {
  await runInDurableObject(hubOf(userId), (_i, state) => state.storage.sql.exec("UPDATE jobs SET due = ? WHERE id = 'sweep'", Date.now() - 1));
  return runDurableObjectAlarm(hubOf(userId));
}
