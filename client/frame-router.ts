import {
  ServerFrame, toWireIssues,
  type DeviceInfo, type ErrorFrame, type EventsFrame, type NerveEvent, type StateFrame, type WelcomeFrame,
} from "../protocol/index.js";

/** What `ACCEPTED` tells the sender of a message. */
export interface AcceptedAnswer {
  id?: string;
  seq?: number;
  ts?: number;
  at?: number;
  duplicate?: boolean;
  cycleId?: string;
}

/** Where each kind of server frame goes. */
export interface FrameHandlers {
  /** The text `pong` of the heartbeat. */
  pong(): void;
  welcome(frame: WelcomeFrame): void;
  state(frame: StateFrame): void;
  /** One durable event (live, replayed, or on its own). */
  event(event: NerveEvent): void;
  /** The events of a catch-up's EVENTS frame, in order. */
  events(events: NerveEvent[]): void;
  synced(seq: number): void;
  accepted(answer: AcceptedAnswer): void;
  error(frame: ErrorFrame): void;
  device(type: "DEVICE_CONNECTED" | "DEVICE_DISCONNECTED", device: DeviceInfo): void;
  /** A frame that was dropped, and why: not text, not JSON, or not in the contract. */
  ignored(why: string, detail?: unknown): void;
}

/**
 * Parses one incoming WebSocket message against the contract (parse, don't cast) and hands it to
 * its handler. Nothing the server sends can throw out of here: what does not parse is `ignored`.
 * @example socket.onMessage = (data) => routeFrame(data, handlers);
 */
export function routeFrame(data: unknown, h: FrameHandlers): void {
  if (typeof data !== "string") return h.ignored("a binary frame");
  if (data === "pong") return h.pong();
  let json: unknown;
  try {
    json = JSON.parse(data);
  } catch {
    return h.ignored("a frame that is not JSON", data.slice(0, 200));
  }
  const parsed = ServerFrame.safeParse(json);
  if (!parsed.success) return h.ignored("a frame that does not match the contract", toWireIssues(parsed.error.issues));
  const frame = parsed.data;
  if ("seq" in frame && "ts" in frame && "from" in frame) return h.event(frame as NerveEvent);
  switch (frame.type) {
    case "WELCOME": return h.welcome(frame as WelcomeFrame);
    case "STATE": return h.state(frame as StateFrame);
    case "EVENTS": return h.events((frame as EventsFrame).events as NerveEvent[]);
    case "SYNCED": return h.synced((frame as { seq: number }).seq);
    case "ACCEPTED": return h.accepted(frame as AcceptedAnswer);
    case "ERROR": return h.error(frame as ErrorFrame);
    case "DEVICE_CONNECTED":
    case "DEVICE_DISCONNECTED": return h.device(frame.type, (frame as { device: DeviceInfo }).device);
    default: return; // PONG: this client measures with the text ping
  }
}
