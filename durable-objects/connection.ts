import { PLATFORMS, TOPICS, type Platform, type Topic } from "../protocol/index.js";

/**
 * What a connection carries across hibernation, in its WebSocket attachment.
 * Kept small: it is serialized on every change.
 */
export interface Attachment {
  userId: string;
  deviceId: string;
  platform: Platform;
  name?: string;
  /** null: every topic. */
  topics: Topic[] | null;
  connectedAt: number;
  /** The last frame of any kind the server handled from this connection. */
  lastMessageAt: number;
  /** Refused messages in the current abuse window. */
  rejections: number;
  rejectionWindowStart: number;
  /** Set once the hub has counted this connection gone (sweep, error or close may each report it). */
  gone?: boolean;
  /** When the connection's authority ends: its token's `exp`, in ms since epoch (moved by REFRESH). */
  expiresAt?: number;
  /** The deviceId came from the token's `did`: a refreshed token must name the same device. */
  tokenDevice?: boolean;
  /** Connected with `batch=1`: several events go in EVENTS frames (the catch-up, a several-event write). */
  batch?: boolean;
}

/** Tags for `acceptWebSocket`: one for the device, one per topic (at most 7 of the 10 allowed). */
export function tagsFor(deviceId: string, topics: Topic[] | null): string[] {
  return [deviceTag(deviceId), ...(topics ?? TOPICS).map(topicTag)];
}

export const deviceTag = (deviceId: string) => `d:${deviceId}`;
export const topicTag = (topic: Topic) => `t:${topic}`;

/** Reads an attachment defensively: anything malformed is null, and the caller closes with 1011. */
export function readAttachment(ws: WebSocket): Attachment | null {
  let raw: unknown;
  try {
    raw = ws.deserializeAttachment();
  } catch {
    return null;
  }
  if (!raw || typeof raw !== "object") return null;
  const a = raw as Partial<Attachment>;
  if (typeof a.userId !== "string" || typeof a.deviceId !== "string" || typeof a.connectedAt !== "number") return null;
  return {
    userId: a.userId,
    deviceId: a.deviceId,
    platform: PLATFORMS.includes(a.platform as Platform) ? (a.platform as Platform) : "web",
    name: typeof a.name === "string" ? a.name : undefined,
    topics: Array.isArray(a.topics) ? a.topics.filter((t): t is Topic => TOPICS.includes(t as Topic)) : null,
    connectedAt: a.connectedAt,
    lastMessageAt: typeof a.lastMessageAt === "number" ? a.lastMessageAt : a.connectedAt,
    rejections: typeof a.rejections === "number" ? a.rejections : 0,
    rejectionWindowStart: typeof a.rejectionWindowStart === "number" ? a.rejectionWindowStart : a.connectedAt,
    gone: a.gone === true,
    ...(typeof a.expiresAt === "number" ? { expiresAt: a.expiresAt } : {}),
    ...(a.tokenDevice === true ? { tokenDevice: true } : {}),
    ...(a.batch === true ? { batch: true } : {}),
  };
}

/** Whether a connection's token has expired (and no REFRESH moved it). */
export function expired(a: Attachment, now: number): boolean {
  return a.expiresAt !== undefined && now >= a.expiresAt;
}

/** Whether a connection receives a topic. */
export function wants(a: Attachment, topic: Topic): boolean {
  return a.topics === null || a.topics.includes(topic);
}
