/**
 * The machine-readable contracts, generated from `protocol/`: JSON Schema (draft 2020-12) for every
 * client message, server frame, event's data, state value and HTTP body. Dev-time only: nothing in
 * `src/` imports it. `npm run contracts` writes `docs/schema/*.json`; test/unit/contracts.test.ts
 * fails when the checked-in files differ from what this generates.
 */
import * as z from "zod/mini";
import {
  AcceptedFrame, BatchBody, BatchItem, CLIENT_MESSAGE_DATA, CreditUpdateBody, DATA_OPTIONAL, DeviceConnectedFrame,
  DeviceDisconnectedFrame, DreamBody, DreamResultBody, ErrorFrame, EVENT_DATA, EVENT_TYPES, EventsFrame, EventsQuery,
  PongFrame, PromptChangeBody, ShootProgressBody, STATE_UPDATE_TYPES, StateBody, StateFrame, SyncedFrame, WelcomeFrame,
  Count, type ClientMessageType,
} from "../protocol/index.js";
import {
  BatchAnswer, DreamAnswer, DreamResultAnswer, EraseAnswer, ErrorBodySchema, EventsPageAnswer, FanoutAnswer, MeSnapshot,
  PublishAnswer, STATE_VALUES, StatusAnswer, UserSnapshot,
} from "../protocol/contract-schemas.js";

type Schema = z.ZodMiniType;
type Json = { [key: string]: unknown };

const BASE = "https://nerve.dev/schema/";

/** One client message type as a whole frame: the envelope with its `type` and `data`. */
function clientMessage(type: ClientMessageType): Schema {
  const data = CLIENT_MESSAGE_DATA[type] as Schema;
  return z.strictObject({
    type: z.literal(type),
    id: z.optional(z.string().check(z.minLength(1), z.maxLength(128))),
    ...(STATE_UPDATE_TYPES.has(type) ? { baseVersion: z.optional(Count) } : {}),
    data: DATA_OPTIONAL.has(type) ? z.optional(data) : data,
  });
}

/** One durable event type as its frame. */
function eventFrame(type: (typeof EVENT_TYPES)[number]): Schema {
  return z.object({ type: z.literal(type), seq: z.int().check(z.gte(1)), ts: z.number(), data: EVENT_DATA[type], from: z.string() });
}

/** Drops `additionalProperties: false` everywhere: readers of what the server sends ignore unknown fields. */
function open(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(open);
  if (node === null || typeof node !== "object") return node;
  const out: Json = {};
  for (const [k, v] of Object.entries(node)) {
    if (k === "additionalProperties" && v === false) continue;
    out[k] = open(v);
  }
  return out;
}

function toSchema(schema: Schema, reader: boolean): Json {
  const json = z.toJSONSchema(schema, { io: "input", unrepresentable: "throw" }) as Json;
  delete json.$schema;
  return (reader ? open(json) : json) as Json;
}

/**
 * A document of named schemas: `$defs` holds each, and the document itself matches any of them.
 * `reader`: the server sends these (extra fields may appear); otherwise the server accepts these
 * (extra fields are refused where the protocol is strict).
 */
function document(name: string, title: string, description: string, defs: Record<string, Schema>, reader: boolean, titles: Record<string, string> = {}): Json {
  const $defs: Record<string, Json> = {};
  for (const [key, schema] of Object.entries(defs)) $defs[key] = { ...(titles[key] ? { title: titles[key] } : {}), ...toSchema(schema, reader) };
  return {
    $schema: "https://json-schema.org/draft/2020-12/schema",
    $id: `${BASE}${name}.json`,
    title,
    description,
    anyOf: Object.keys(defs).map((key) => ({ $ref: `#/$defs/${key}` })),
    $defs,
  };
}

/** Every contract document, by file name (without `.json`). */
export function contractDocuments(): Record<string, Json> {
  const clientTypes = Object.keys(CLIENT_MESSAGE_DATA) as ClientMessageType[];
  return {
    "client-messages": document(
      "client-messages", "Nerve client messages",
      "Every JSON frame a client may send on /ws, one definition per type (docs/protocol.md section 7).",
      Object.fromEntries(clientTypes.map((t) => [t, clientMessage(t)])), false,
    ),
    "server-frames": document(
      "server-frames", "Nerve server frames",
      "Every JSON frame the server sends on /ws: ephemeral frames and one definition per durable event type (docs/protocol.md sections 6 and 8). Ignore unknown types and fields.",
      {
        WELCOME: WelcomeFrame, STATE: StateFrame, EVENTS: EventsFrame, SYNCED: SyncedFrame, PONG: PongFrame,
        ACCEPTED: AcceptedFrame, ERROR: ErrorFrame, DEVICE_CONNECTED: DeviceConnectedFrame, DEVICE_DISCONNECTED: DeviceDisconnectedFrame,
        ...Object.fromEntries(EVENT_TYPES.map((t) => [t, eventFrame(t)])),
      }, true,
    ),
    events: document(
      "events", "Nerve event data",
      "The data of each durable event type, as in its frame's data field (docs/protocol.md section 8).",
      Object.fromEntries(EVENT_TYPES.map((t) => [t, EVENT_DATA[t]])), true,
    ),
    state: document(
      "state", "Nerve state values",
      "The value of each state key, as in STATE.state and GET /api/me (docs/protocol.md section 8). The definition `shoot` is the value of every `shoots.<shootId>` key.",
      Object.fromEntries(Object.entries(STATE_VALUES).map(([key, schema]) => [key === "shoots.<shootId>" ? "shoot" : key, schema])), true,
      { shoot: "shoots.<shootId>" },
    ),
    "http-requests": document(
      "http-requests", "Nerve HTTP request bodies",
      "The JSON body of each HTTP write, named by route, and the query of GET /api/me/events (docs/protocol.md section 13).",
      { ShootProgressBody, CreditUpdateBody, PromptChangeBody, StateBody, DreamBody, DreamResultBody, BatchBody, BatchItem, EventsQuery }, false,
      {
        ShootProgressBody: "POST /api/sync/shoot-progress",
        CreditUpdateBody: "POST /api/sync/credit-update",
        PromptChangeBody: "POST /api/sync/prompt-change",
        StateBody: "POST /api/sync/state",
        DreamBody: "POST /api/sync/dream",
        DreamResultBody: "POST /api/sync/dream-result",
        BatchBody: "POST /api/sync/batch",
        BatchItem: "POST /api/sync/batch: one item of events (each is checked on its own)",
        EventsQuery: "GET /api/me/events: the query parameters",
      },
    ),
    "http-responses": document(
      "http-responses", "Nerve HTTP answers",
      "The JSON body of each HTTP answer, named by route and status (docs/protocol.md section 13).",
      {
        ErrorBody: ErrorBodySchema, PublishAnswer, FanoutAnswer, BatchAnswer, DreamAnswer, DreamResultAnswer,
        UserSnapshot, EraseAnswer, StatusAnswer, MeSnapshot, EventsPageAnswer,
      }, true,
      {
        ErrorBody: "every HTTP error (4xx, 5xx)",
        PublishAnswer: "202 of POST /api/sync/shoot-progress, credit-update, prompt-change (userId), state",
        FanoutAnswer: "202 of POST /api/sync/prompt-change with userIds",
        BatchAnswer: "202 of POST /api/sync/batch",
        DreamAnswer: "202 of POST /api/sync/dream",
        DreamResultAnswer: "202 of POST /api/sync/dream-result",
        UserSnapshot: "200 of GET /api/sync/users/:userId",
        EraseAnswer: "200 of DELETE /api/sync/users/:userId",
        StatusAnswer: "200 of GET /api/sync/status",
        MeSnapshot: "200 of GET /api/me",
        EventsPageAnswer: "200 of GET /api/me/events",
      },
    ),
  };
}

/** The text of each file under docs/schema/, as checked in. */
export function contractFiles(): Record<string, string> {
  return Object.fromEntries(Object.entries(contractDocuments()).map(([name, doc]) => [`${name}.json`, `${JSON.stringify(doc, null, 2)}\n`]));
}
