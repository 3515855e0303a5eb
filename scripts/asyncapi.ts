/**
 * AsyncAPI 3.0 of the WebSocket `/ws` (docs/schema/asyncapi.json), generated from the same zod
 * schemas as docs/schema (json-schema.ts): the channel with its WebSocket binding (the query of
 * `ConnectQuery`, the subprotocol header), one message per frame, the operations with their replies,
 * and the close and error codes as `x-` extensions (AsyncAPI has no field for them). Dev-time only.
 */
import {
  CLOSE_MIN_DELAY_MS, CLOSE_RANGES, CloseCode, closeAction, ConnectQuery, ERROR_RETRYABLE, ErrorStatus, EVENT_TOPIC, EVENT_TYPES,
  SUBPROTOCOL, TOPICS, type ClientMessageType, type ErrorCode,
} from "../protocol/index.js";
import { DEFAULTS } from "../common/config.js";
import { clientMessageSchemas, EPHEMERAL_FRAMES, serverFrameSchemas, toSchema, type Json } from "./json-schema.js";

/** What each close code means (docs/protocol.md section 11). Typed by the codes, so a new one without a line fails tsc. */
const CLOSE_MEANING: Record<CloseCode | 1000 | 1001 | 1006, string> = {
  1000: "normal close",
  1001: "server going away",
  1006: "connection lost (no close frame; set by the client's WebSocket library)",
  [CloseCode.FRAME_TOO_LARGE]: "the client sent a frame larger than MAX_FRAME_BYTES (after ERROR TOO_LARGE)",
  [CloseCode.INTERNAL]: "server error, or the server's auth is misconfigured",
  [CloseCode.BAD_REQUEST]: "an invalid query parameter; the reason names it",
  [CloseCode.TOKEN_MISSING]: "no token",
  [CloseCode.TOKEN_INVALID]: "token invalid or expired, a REFRESH refused, or a service token",
  [CloseCode.ORIGIN_NOT_ALLOWED]: "the browser's Origin is not allowed",
  [CloseCode.RATE_ABUSE]: "too many refused messages on this connection (ABUSE_REJECTIONS_PER_MINUTE)",
  [CloseCode.TOO_MANY_CONNECTIONS]: "too many connections for this user (MAX_CONNECTIONS_PER_USER)",
  [CloseCode.HEARTBEAT_TIMEOUT]: "nothing received for twice heartbeatMs",
  [CloseCode.USER_ERASED]: "the user's data was erased: a new epoch began (resume to get the reset)",
  [CloseCode.TOO_FAR_BEHIND]: "more than MAX_UNACKED_BYTES of live events sent since the connection's last ACK",
};

/** What each query parameter is for; typed by ConnectQuery's keys so a new parameter needs a line here. */
const QUERY_MEANING: Record<keyof typeof ConnectQuery.shape, string> = {
  since: "The highest seq this device has processed (protocol.md 5). Omit on the very first connection.",
  epoch: "The WELCOME.epoch the since cursor belongs to (5.1). Send it with since, always.",
  device: "A stable deviceId, used only when the token has no did. Without either the server makes one up and returns it in WELCOME.",
  platform: "Shown to the user's other devices; default web.",
  name: "A display name for the device, 1-64 characters, no control, format or bidi characters.",
  batch: "1: the catch-up's missed messages come several to a frame, in EVENTS frames (4.1). 0 or absent: one frame each.",
  topics: `A comma list of ${TOPICS.join(" ")}: this connection receives only these (default: all).`,
};

/** What each client message does and what answers it (docs/protocol.md 7.2). */
const CLIENT_OPERATIONS: Record<ClientMessageType, { summary: string; replies: string[] }> = {
  PING: { summary: "A JSON round-trip measurement (prefer the text ping; this one counts against the rate limit).", replies: ["PONG", "ERROR"] },
  ACK: { summary: "Records this device's delivered cursor (ackedSeq); answered only when it has an id.", replies: ["ACCEPTED", "ERROR"] },
  UPDATE_PROGRESS: { summary: "Writes a SHOOT_PROGRESS event (shoots.<shootId>).", replies: ["ACCEPTED", "ERROR"] },
  LIMBIC_UPDATE: { summary: "Writes a LIMBIC_UPDATE event, merged into limbic.", replies: ["ACCEPTED", "ERROR"] },
  CONVERGENCE_UPDATE: { summary: "Writes a CONVERGENCE_UPDATE event, merged into convergence.", replies: ["ACCEPTED", "ERROR"] },
  POSTURE_CHANGE: { summary: "Writes a POSTURE_CHANGE event (posture).", replies: ["ACCEPTED", "ERROR"] },
  DREAM_START: { summary: "Queues a dream cycle (DREAM_QUEUED to the other devices); ACCEPTED carries cycleId.", replies: ["ACCEPTED", "ERROR"] },
  DREAM_CANCEL: { summary: "Cancels a queued or running dream cycle (DREAM_CANCELLED).", replies: ["ACCEPTED", "ERROR"] },
  DREAM_SCHEDULE: { summary: "Sets the nightly dream schedule (DREAM_SCHEDULE event); ACCEPTED carries nextAt.", replies: ["ACCEPTED", "ERROR"] },
  STATE_SYNC: { summary: "Re-reads everything: a full STATE (reset: true, possibly in parts), then ACCEPTED if it had an id.", replies: ["STATE", "ACCEPTED", "ERROR"] },
  REFRESH: { summary: "Extends the socket to a new token's exp; a refused token is ERROR TOKEN_INVALID and close 4002.", replies: ["ACCEPTED", "ERROR"] },
  SEALED_UPDATE: { summary: "Replaces sealed.<name> with an end-to-end encrypted envelope the hub stores without reading (16.3); takes baseVersion.", replies: ["ACCEPTED", "ERROR"] },
  KEYRING_UPDATE: { summary: "Appends a signed device-directory link and sets content-key grants in keyring, in one write (16.1, 16.2).", replies: ["ACCEPTED", "ERROR"] },
  PAIRING_UPDATE: { summary: "One step of approving a new device with a short code compared on both screens (16.4).", replies: ["ACCEPTED", "ERROR"] },
};

const EPHEMERAL_SUMMARY: Record<keyof typeof EPHEMERAL_FRAMES, string> = {
  WELCOME: "The first frame: who and where (userId, deviceId, seq, epoch, heartbeatMs, resumed).",
  STATE: "State keys that changed since the cursor (reset: false) or the whole state (reset: true); may come in parts (part, more).",
  EVENTS: "With batch=1: the catch-up's missed messages, several to a frame, in seq order.",
  SYNCED: "The end of the catch-up; set the cursor to its seq.",
  PONG: "Answer to a JSON PING.",
  ACCEPTED: "The client's message was applied (seq if it became an event).",
  ERROR: "The client's message was refused; nothing changed. retryable says whether the same message may pass later.",
  DEVICE_CONNECTED: "Another device of the user came online (topic presence).",
  DEVICE_DISCONNECTED: "Another device of the user went offline (topic presence).",
};

const ref = (path: string) => ({ $ref: path });
const msg = (name: string) => ref(`#/channels/ws/messages/${name}`);

/** The AsyncAPI 3.0 document of `/ws`. Operations are the server's: it `receive`s client messages and `send`s frames. */
export function asyncApiDocument(): Json {
  const clients = clientMessageSchemas();
  const servers = serverFrameSchemas();
  const messages: Record<string, Json> = {};
  for (const [name, schema] of Object.entries(servers)) {
    const isEvent = (EVENT_TYPES as readonly string[]).includes(name);
    messages[name] = {
      name,
      title: name,
      summary: isEvent
        ? `Durable event (topic ${EVENT_TOPIC[name as (typeof EVENT_TYPES)[number]]}): live after SYNCED; on catch-up a message event is replayed, a state event is folded into STATE.`
        : EPHEMERAL_SUMMARY[name as keyof typeof EPHEMERAL_FRAMES],
      contentType: "application/json",
      payload: toSchema(schema, true, "draft-7"),
    };
  }
  for (const [name, schema] of Object.entries(clients)) {
    // Client message types and server frame types share names (LIMBIC_UPDATE is both): prefix the client's.
    messages[`client.${name}`] = {
      name,
      title: `${name} (client)`,
      summary: CLIENT_OPERATIONS[name as ClientMessageType].summary,
      contentType: "application/json",
      payload: toSchema(schema, false, "draft-7"),
    };
  }
  messages["text.ping"] = { name: "ping", title: "ping (text)", summary: "The heartbeat: the text frame `ping`, every heartbeatMs. Costs nothing and wakes no hub.", contentType: "text/plain", payload: { type: "string", const: "ping" } };
  messages["text.pong"] = { name: "pong", title: "pong (text)", summary: "The answer to the text `ping`.", contentType: "text/plain", payload: { type: "string", const: "pong" } };

  const query: Json = { type: "object", properties: {} };
  const queryProps = query.properties as Record<string, Json>;
  queryProps.token = { type: "string", description: "A user token (JWT), for WebSocket libraries that cannot offer subprotocols. Prefer the bearer.<jwt> subprotocol." };
  const input = toSchema(ConnectQuery, false, "draft-7") as { properties: Record<string, Json> };
  for (const [key, schema] of Object.entries(input.properties)) {
    queryProps[key] = { ...schema, description: QUERY_MEANING[key as keyof typeof QUERY_MEANING] };
  }
  queryProps.topics = { ...queryProps.topics, pattern: `^(${TOPICS.join("|")})(,(${TOPICS.join("|")}))*$` };

  const operations: Record<string, Json> = {};
  for (const [name, op] of Object.entries(CLIENT_OPERATIONS)) {
    operations[`receive${name}`] = {
      action: "receive",
      channel: ref("#/channels/ws"),
      summary: op.summary,
      messages: [msg(`client.${name}`)],
      reply: { channel: ref("#/channels/ws"), messages: op.replies.map(msg) },
    };
  }
  operations.receivePing = {
    action: "receive", channel: ref("#/channels/ws"), summary: "The heartbeat (protocol.md 10).",
    messages: [msg("text.ping")], reply: { channel: ref("#/channels/ws"), messages: [msg("text.pong")] },
  };
  operations.sendCatchUp = {
    action: "send", channel: ref("#/channels/ws"),
    summary: "Right after the upgrade, in this order: WELCOME, STATE (one or more parts), the missed message events in seq order (one frame each, or EVENTS with batch=1), SYNCED. Nothing live is interleaved.",
    messages: [msg("WELCOME"), msg("STATE"), msg("EVENTS"), ...EVENT_TYPES.map(msg), msg("SYNCED")],
  };
  operations.sendEvent = {
    action: "send", channel: ref("#/channels/ws"),
    summary: "After SYNCED: each durable event of the connection's topics, in strictly increasing seq (gaps are other topics' events). The sender of a message gets ACCEPTED instead of its event.",
    messages: EVENT_TYPES.map(msg),
  };
  operations.sendPresence = {
    action: "send", channel: ref("#/channels/ws"),
    summary: "Another device of the user came online or went offline (topic presence); idempotent updates of STATE.devices.",
    messages: [msg("DEVICE_CONNECTED"), msg("DEVICE_DISCONNECTED")],
  };

  const closeCodes = Object.entries(CLOSE_MEANING)
    .map(([code, meaning]) => {
      const minDelayMs = CLOSE_MIN_DELAY_MS[Number(code)];
      return { code: Number(code), action: closeAction(Number(code)), ...(minDelayMs !== undefined ? { minDelayMs } : {}), meaning };
    })
    .sort((a, b) => a.code - b.code);
  const errorCodes = (Object.keys(ERROR_RETRYABLE) as ErrorCode[]).map((code) => ({ code, retryable: ERROR_RETRYABLE[code], httpStatus: ErrorStatus[code] }));

  return {
    asyncapi: "3.0.0",
    id: "urn:nerve:ws",
    info: {
      title: "Nerve WebSocket /ws",
      version: "1.1.0",
      description: [
        "Per-user real-time sync: the WebSocket /ws (docs/protocol.md sections 3-12). Operations are the server's point of view:",
        "it receives client messages and sends frames. Every frame is a JSON text frame except the heartbeat text `ping`/`pong`.",
        `A server frame is at most MAX_SERVER_FRAME_BYTES (default ${DEFAULTS.maxServerFrameBytes}); a client frame at most MAX_FRAME_BYTES (default ${DEFAULTS.maxFrameBytes}).`,
        "Close codes and error codes are in x-close-codes, x-close-ranges and x-error-codes. Generated from protocol/ by npm run contracts.",
      ].join(" "),
    },
    defaultContentType: "application/json",
    servers: {
      production: { host: "{host}", protocol: "wss", description: "A deployed Nerve.", variables: { host: { default: "nerve.example.com" } } },
      local: { host: "127.0.0.1:{port}", protocol: "ws", description: "npm start (PORT, default 8787).", variables: { port: { default: "8787" } } },
    },
    channels: {
      ws: {
        address: "/ws",
        title: "The user's sync socket",
        description: "One socket per device connection. The token is a user token, in the subprotocol list [\"nerve.v1\", \"bearer.<jwt>\"] (recommended) or the token query parameter. An invalid parameter closes with 4000.",
        messages,
        bindings: {
          ws: {
            method: "GET",
            query,
            headers: {
              type: "object",
              properties: {
                "Sec-WebSocket-Protocol": { type: "string", description: `"${SUBPROTOCOL}, bearer.<jwt>": the server answers ${SUBPROTOCOL}. Offer ${SUBPROTOCOL} first.` },
                Origin: { type: "string", description: "Sent by browsers: the server's own origin or one of ALLOWED_ORIGINS, else close 4003. Native apps send none." },
              },
            },
            bindingVersion: "0.1.0",
          },
        },
        "x-close-codes": closeCodes,
        "x-close-ranges": CLOSE_RANGES.map((r) => ({ ...r })),
        "x-close-default-action": closeAction(4999),
        "x-heartbeat-ms": DEFAULTS.heartbeatMs,
        "x-max-frame-bytes": DEFAULTS.maxFrameBytes,
        "x-max-server-frame-bytes": DEFAULTS.maxServerFrameBytes,
      },
    },
    operations,
    "x-error-codes": errorCodes,
  };
}
