/**
 * The zod schemas of the wire, named as the contract documents name them, and their conversion to
 * JSON Schema. Shared by the JSON Schema and OpenAPI documents (contracts.ts) and the AsyncAPI
 * document (asyncapi.ts), so that every document is generated from the same schemas. Dev-time only.
 */
import * as z from "zod/mini";
import {
  AcceptedFrame, CLIENT_MESSAGE_DATA, ClientEnvelope, DATA_OPTIONAL, DeviceConnectedFrame, DeviceDisconnectedFrame, ErrorFrame,
  CAS_TYPES, EVENT_DATA, EVENT_TYPES, EventsFrame, NerveEventSchema, PongFrame, STATE_UPDATE_TYPES, StateFrame, SyncedFrame, WelcomeFrame,
  type ClientMessageType,
} from "../protocol/index.js";

export type Schema = z.ZodMiniType;
export type Json = { [key: string]: unknown };

/** One client message type as a whole frame: the envelope with its `type` and `data`. */
function clientMessage(type: ClientMessageType): Schema {
  const data = CLIENT_MESSAGE_DATA[type] as Schema;
  // Derived from the envelope the hub parses, so that a field added there (baseVersion, at) cannot be missed here.
  const envelope = STATE_UPDATE_TYPES.has(type) ? ClientEnvelope
    : CAS_TYPES.has(type) ? z.omit(ClientEnvelope, { at: true })
    : z.omit(ClientEnvelope, { baseVersion: true, at: true });
  return z.extend(envelope, { type: z.literal(type), data: DATA_OPTIONAL.has(type) ? z.optional(data) : data });
}

/** One durable event type as its frame. */
function eventFrame(type: (typeof EVENT_TYPES)[number]): Schema {
  return z.extend(NerveEventSchema, { type: z.literal(type), data: EVENT_DATA[type] });
}

/** Every JSON frame a client may send on /ws, by `type`. */
export function clientMessageSchemas(): Record<ClientMessageType, Schema> {
  const types = Object.keys(CLIENT_MESSAGE_DATA) as ClientMessageType[];
  return Object.fromEntries(types.map((t) => [t, clientMessage(t)])) as Record<ClientMessageType, Schema>;
}

/** The ephemeral frames the server sends on /ws (not in the log), by `type`. */
export const EPHEMERAL_FRAMES = {
  WELCOME: WelcomeFrame, STATE: StateFrame, EVENTS: EventsFrame, SYNCED: SyncedFrame, PONG: PongFrame,
  ACCEPTED: AcceptedFrame, ERROR: ErrorFrame, DEVICE_CONNECTED: DeviceConnectedFrame, DEVICE_DISCONNECTED: DeviceDisconnectedFrame,
} as const satisfies Record<string, Schema>;

/** Every JSON frame the server sends on /ws: the ephemeral frames, then one per durable event type. */
export function serverFrameSchemas(): Record<string, Schema> {
  return { ...EPHEMERAL_FRAMES, ...Object.fromEntries(EVENT_TYPES.map((t) => [t, eventFrame(t)])) };
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

/**
 * The JSON Schema of what is sent (the input side of transforms). `reader`: the schema of something
 * the server sends, which a reader must accept with fields it does not know. `target`: draft 2020-12
 * for docs/schema, draft-07 for AsyncAPI payloads (its default schema format is a draft-07 superset).
 */
export function toSchema(schema: Schema, reader: boolean, target: "draft-2020-12" | "draft-7" = "draft-2020-12"): Json {
  const json = z.toJSONSchema(schema, { io: "input", unrepresentable: "throw", target }) as Json;
  delete json.$schema;
  return (reader ? open(json) : json) as Json;
}
