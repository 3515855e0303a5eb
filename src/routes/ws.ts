import { Hono, type Context } from "hono";
import { BEARER_PREFIX, CloseCode, ConnectQuery, ErrorCode, SUBPROTOCOL, toWireIssues } from "../../protocol/index.js";
import { CATCH_UP_HEADER, CONNECT_HEADER, type ConnectParams } from "../../common/hub-rpc.js";
import { connectPoint, writePoints } from "../../common/analytics.js";
import { log } from "../../common/log.js";
import type { RequestVars } from "../middleware/request-id.js";
import { AuthError, verifyToken } from "../../common/auth.js";
import { configOf } from "../config-cache.js";
import { hubStub } from "../hub.js";
import type { Env } from "../../common/env.js";
import { apiError } from "../errors.js";

/** A close frame's reason may hold at most 123 bytes of UTF-8. */
const MAX_REASON_BYTES = 123;
const utf8 = new TextEncoder();

/**
 * Cuts a close reason to fit its frame, by UTF-8 bytes and at a character boundary, marking the
 * cut with an ellipsis. A reason that quotes the client (an Origin, a name) may be non-ASCII, and
 * `close()` throws on a reason past 123 bytes.
 */
function fitReason(reason: string): string {
  if (utf8.encode(reason).byteLength <= MAX_REASON_BYTES) return reason;
  const room = MAX_REASON_BYTES - utf8.encode("…").byteLength;
  let out = "";
  let bytes = 0;
  for (const ch of reason) {
    bytes += utf8.encode(ch).byteLength;
    if (bytes > room) break;
    out += ch;
  }
  return `${out}…`;
}

/** Accepts the upgrade and closes at once with a code, so a browser can read why. */
function closeWith(code: number, reason: string, subprotocol?: string): Response {
  const pair = new WebSocketPair();
  pair[1].accept();
  pair[1].close(code, fitReason(reason));
  return new Response(null, { status: 101, webSocket: pair[0], headers: subprotocol ? { "Sec-WebSocket-Protocol": subprotocol } : undefined });
}

/** JSON with every non-ASCII character escaped (`\u00e9`): header values are bytes, a name may not be ASCII. */
function asciiJson(value: unknown): string {
  return JSON.stringify(value).replace(/[\u007f-\uffff]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

type WsContext = Context<{ Bindings: Env; Variables: RequestVars }>;

/** A refused upgrade: its `connect` point (outcome: the close code), then the close. */
function refuseSocket(c: WsContext, code: number, reason: string, subprotocol?: string, userId = "anonymous"): Response {
  writePoints(c.env.ANALYTICS, [connectPoint(userId, String(code), false, 0, 0, 0)]);
  return closeWith(code, reason, subprotocol);
}

/** `GET /ws`: authenticates, checks origin and options, and hands the socket to the user's hub. */
export const wsRoute = new Hono<{ Bindings: Env; Variables: RequestVars }>().get("/", async (c) => {
  if (c.req.header("Upgrade")?.toLowerCase() !== "websocket") {
    throw apiError(ErrorCode.UPGRADE_REQUIRED, "this endpoint takes a WebSocket upgrade");
  }
  const offered = (c.req.header("Sec-WebSocket-Protocol") ?? "").split(",").map((p) => p.trim()).filter(Boolean);
  const subprotocol = offered.includes(SUBPROTOCOL) ? SUBPROTOCOL : undefined;

  const origin = c.req.header("Origin");
  if (origin) {
    const own = new URL(c.req.url).origin;
    if (origin !== own && !configOf(c.env).allowedOrigins.includes(origin)) {
      return refuseSocket(c, CloseCode.ORIGIN_NOT_ALLOWED, `origin ${origin} is not allowed`, subprotocol);
    }
  }

  const token = c.req.query("token") || offered.find((p) => p.startsWith(BEARER_PREFIX))?.slice(BEARER_PREFIX.length);
  if (!token) return refuseSocket(c, CloseCode.TOKEN_MISSING, "token missing", subprotocol);
  let identity;
  try {
    identity = await verifyToken(token, c.env, configOf(c.env));
  } catch (err) {
    if (err instanceof AuthError && err.code === "MISCONFIGURED") {
      log("error", "GET /ws: auth misconfigured", { rid: c.get("rid") }, err);
      return refuseSocket(c, CloseCode.INTERNAL, "server auth is not configured", subprotocol);
    }
    return refuseSocket(c, CloseCode.TOKEN_INVALID, err instanceof Error ? err.message : "token invalid", subprotocol);
  }
  if (identity.kind !== "user") return refuseSocket(c, CloseCode.TOKEN_INVALID, "service tokens cannot open /ws", subprotocol);

  const query = ConnectQuery.safeParse(c.req.query());
  if (!query.success) {
    const first = toWireIssues(query.error.issues)[0];
    return refuseSocket(c, CloseCode.BAD_REQUEST, first ? `${first.path}: ${first.message}` : "invalid query", subprotocol, identity.userId);
  }
  const q = query.data;
  const params: ConnectParams = {
    userId: identity.userId,
    deviceId: identity.deviceId ?? q.device,
    platform: q.platform ?? "web",
    name: q.name,
    topics: q.topics ? [...new Set(q.topics)] : null,
    since: q.since,
    epoch: q.epoch,
    exp: identity.exp,
    tokenDevice: identity.deviceId !== undefined,
    subprotocol,
    ...(q.batch ? { batch: true } : {}),
    rid: c.get("rid"),
  };
  const stub = hubStub(c.env, identity.userId);
  // A fresh request: nothing the client sent reaches the hub but the upgrade and what was verified here.
  const started = Date.now();
  const res = await stub.fetch(new Request(c.req.url, { headers: { Upgrade: "websocket", [CONNECT_HEADER]: asciiJson(params) } }));
  // Across the hop the clock has moved (it moves at I/O): this is the hub's whole accept, catch-up included.
  const ms = Date.now() - started;
  return connected(c.env, identity.userId, res, ms);
});

/**
 * The hub's answer as the client gets it (without the catch-up header), and the `connect` point
 * that times it. A socket the hub closed at once (too many connections) is an `accepted` 101 too:
 * its close code is in the hub's counters, not known here.
 */
function connected(env: Env, userId: string, res: Response, ms: number): Response {
  const stats = res.headers.get(CATCH_UP_HEADER);
  if (res.status !== 101 || !res.webSocket) {
    writePoints(env.ANALYTICS, [connectPoint(userId, String(res.status), false, ms, 0, 0)]);
    return res;
  }
  const [events = 0, bytes = 0, resumed = 0] = (stats ?? "").split(" ").map(Number);
  writePoints(env.ANALYTICS, [connectPoint(userId, "accepted", resumed === 1, ms, events, bytes)]);
  if (stats === null) return res;
  const headers = new Headers(res.headers);
  headers.delete(CATCH_UP_HEADER);
  return new Response(null, { status: 101, webSocket: res.webSocket, headers });
}
