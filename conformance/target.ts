/**
 * The Nerve under test: its base URL and the HS256 secret it verifies tokens with. Mints tokens,
 * names fresh users (so checks never share a rate bucket or a log), calls HTTP and opens sockets.
 */
import { randomUUID } from "node:crypto";
import { SignJWT } from "jose";
import { Socket, type SocketOptions } from "./socket.js";

export interface HttpAnswer { status: number; headers: Headers; json: any; text: string }

export interface TokenOptions {
  device?: string;
  /** Lifetime in seconds (default 600). */
  ttl?: number;
  /** Seconds added to `iat` (a token from the future). */
  iatShift?: number;
  scope?: string;
}

export class Target {
  readonly base: string;
  readonly wsUrl: string;
  private readonly key: Uint8Array;
  private readonly run = randomUUID().slice(0, 8);
  private n = 0;
  private readonly sockets = new Set<Socket>();
  /** Every user id handed out, to erase at the end. */
  readonly users: string[] = [];

  constructor(base: string, secret: string) {
    this.base = base.replace(/\/+$/, "");
    this.wsUrl = `${this.base.replace(/^http/, "ws")}/ws`;
    this.key = new TextEncoder().encode(secret);
  }

  /** A user id no other check of any run uses. */
  user(label: string): string {
    this.n += 1;
    const id = `conf-${this.run}-${this.n}-${label}`.slice(0, 128);
    this.users.push(id);
    return id;
  }

  /** A user (device) token; `did` when `device` is given. */
  userToken(userId: string, o: TokenOptions = {}): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT(o.device ? { did: o.device } : {}).setProtectedHeader({ alg: "HS256", typ: "JWT" }).setSubject(userId)
      .setIssuedAt(now + (o.iatShift ?? 0)).setExpirationTime(now + (o.ttl ?? 600)).sign(this.key);
  }

  /** A service token, scope `sync:publish sync:read` unless given. */
  serviceToken(o: TokenOptions = {}): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ scope: o.scope ?? "sync:publish sync:read" }).setProtectedHeader({ alg: "HS256", typ: "JWT" }).setSubject("nerve-conformance")
      .setIssuedAt(now).setExpirationTime(now + (o.ttl ?? 600)).sign(this.key);
  }

  async http(path: string, init: { method?: string; body?: unknown; token?: string; headers?: Record<string, string> } = {}): Promise<HttpAnswer> {
    const headers: Record<string, string> = { ...(init.headers ?? {}) };
    if (init.token) headers.Authorization = `Bearer ${init.token}`;
    if (init.body !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === "content-type")) headers["Content-Type"] = "application/json";
    const res = await fetch(`${this.base}${path}`, {
      method: init.method ?? (init.body !== undefined ? "POST" : "GET"),
      headers,
      body: init.body === undefined ? undefined : typeof init.body === "string" ? init.body : JSON.stringify(init.body),
      signal: AbortSignal.timeout(20_000),
    });
    const text = await res.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: res.status, headers: res.headers, json, text };
  }

  /** Opens /ws with `query` (the token goes as the subprotocol unless `tokenIn: "query"`). */
  async open(query: Record<string, string | number | undefined>, o: SocketOptions = {}): Promise<Socket> {
    const qs = new URLSearchParams(Object.entries(query).filter(([, v]) => v !== undefined).map(([k, v]) => [k, String(v)]));
    const s = await Socket.open(`${this.wsUrl}${qs.size ? `?${qs}` : ""}`, o);
    this.sockets.add(s);
    return s;
  }

  /** A device of `userId` connected and read up to SYNCED. */
  async device(userId: string, deviceId: string, query: Record<string, string | number | undefined> = {}) {
    const socket = await this.open({ device: deviceId, ...query }, { token: await this.userToken(userId) });
    const catchUp = await socket.catchUp();
    return { socket, catchUp };
  }

  /** Erases every user this run made (DELETE /api/sync/users/:id), so a run leaves no data behind; returns how many failed. */
  async eraseUsers(): Promise<number> {
    const token = await this.serviceToken();
    let failed = 0;
    for (const id of this.users.splice(0)) {
      const res = await this.http(`/api/sync/users/${id}`, { method: "DELETE", token }).catch(() => null);
      if (res?.status !== 200) failed += 1;
    }
    return failed;
  }

  /** Closes every socket this run opened. */
  async closeAll(): Promise<void> {
    await Promise.all([...this.sockets].map((s) => s.close()));
    this.sockets.clear();
  }
}
