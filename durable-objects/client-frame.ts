import {
  CAS_TYPES, CLIENT_MESSAGE_DATA, ClientEnvelope, DATA_OPTIONAL, ERROR_RETRYABLE, ErrorCode, STATE_UPDATE_TYPES, toWireIssues,
  type ClientMessage,
} from "../protocol/index.js";

/** An `ERROR` frame: the refusal of one client message. */
export interface ErrorFrame {
  type: "ERROR";
  id?: string;
  code: ErrorCode;
  message: string;
  /** Whether the same message may pass if sent again later (`ERROR_RETRYABLE`). */
  retryable: boolean;
  [extra: string]: unknown;
}

export function errorFrame(id: string | undefined, code: ErrorCode, message: string, extra: Record<string, unknown> = {}): ErrorFrame {
  return { type: "ERROR", ...(id !== undefined ? { id } : {}), code, message, retryable: ERROR_RETRYABLE[code], ...extra };
}

/**
 * Whether a frame is over `max` UTF-8 bytes. Every UTF-16 unit is at most 3 bytes, so a short
 * string is not encoded to be measured.
 */
export function overLimit(message: string | ArrayBuffer, max: number): boolean {
  if (typeof message !== "string") return message.byteLength > max;
  if (message.length * 3 <= max) return false;
  if (message.length > max) return true;
  return new TextEncoder().encode(message).byteLength > max;
}

/** The longest client message id (the envelope's bound). */
export const MAX_MESSAGE_ID = 128;

/** A frame's JSON, read before anything else so that every refusal can name the message's id. */
export interface Peeked {
  /** Undefined for a binary frame or text that is not JSON. */
  json?: unknown;
  isJson: boolean;
  id?: string;
}

export function peek(message: string | ArrayBuffer): Peeked {
  if (typeof message !== "string") return { isJson: false };
  let json: unknown;
  try {
    json = JSON.parse(message);
  } catch {
    return { isJson: false };
  }
  const id = (json as { id?: unknown } | null)?.id;
  // Only an id the envelope accepts names a message: a refusal is remembered by it, so it is bounded.
  return { json, isJson: true, ...(typeof id === "string" && id.length >= 1 && id.length <= MAX_MESSAGE_ID ? { id } : {}) };
}

/**
 * Validates a peeked frame into a typed client message, or the ERROR that refuses it:
 * BAD_JSON, INVALID_MESSAGE (with issues), UNKNOWN_TYPE. Pure.
 * @example toClientMessage(peek('{"type":"PING","data":{"t":1}}')) // { ok: true, msg: { type: "PING", data: { t: 1 } } }
 */
export function toClientMessage(frame: Peeked, binary = false): { ok: true; msg: ClientMessage } | { ok: false; error: ErrorFrame } {
  if (binary) return { ok: false, error: errorFrame(undefined, ErrorCode.BAD_JSON, "binary frames are not supported; send JSON text") };
  if (!frame.isJson) return { ok: false, error: errorFrame(undefined, ErrorCode.BAD_JSON, "frame is not valid JSON") };
  const envelope = ClientEnvelope.safeParse(frame.json);
  if (!envelope.success) {
    return { ok: false, error: errorFrame(frame.id, ErrorCode.INVALID_MESSAGE, "frame is not a valid message", { issues: toWireIssues(envelope.error.issues) }) };
  }
  const { type, id, baseVersion, at } = envelope.data;
  if (!Object.hasOwn(CLIENT_MESSAGE_DATA, type)) {
    return { ok: false, error: errorFrame(id, ErrorCode.UNKNOWN_TYPE, `unknown message type "${type}"`) };
  }
  if (baseVersion !== undefined && !CAS_TYPES.has(type)) {
    return { ok: false, error: errorFrame(id, ErrorCode.INVALID_MESSAGE, `${type} does not take baseVersion`, { issues: [{ path: "baseVersion", message: "only state updates and sealed writes take baseVersion" }] }) };
  }
  if (at !== undefined && !STATE_UPDATE_TYPES.has(type)) {
    return { ok: false, error: errorFrame(id, ErrorCode.INVALID_MESSAGE, `${type} does not take at`, { issues: [{ path: "at", message: "only state updates take at" }] }) };
  }
  const schema = CLIENT_MESSAGE_DATA[type as keyof typeof CLIENT_MESSAGE_DATA];
  const parsed = schema.safeParse(envelope.data.data === undefined && DATA_OPTIONAL.has(type) ? {} : envelope.data.data);
  if (!parsed.success) {
    return { ok: false, error: errorFrame(id, ErrorCode.INVALID_MESSAGE, `invalid ${type} data`, { issues: toWireIssues(parsed.error.issues, ["data"]) }) };
  }
  return { ok: true, msg: { type, ...(id !== undefined ? { id } : {}), ...(baseVersion !== undefined ? { baseVersion } : {}), ...(at !== undefined ? { at } : {}), data: parsed.data } as ClientMessage };
}
