import { log } from "../common/log.js";
import { CloseCode, topicOfEvent, type DeviceInfo, type NerveEvent, type Topic } from "../protocol/index.js";
import { deviceTag, expired, readAttachment, topicTag, wants, type Attachment } from "./connection.js";
import type { DeviceRegistry } from "./devices.js";
import { eventsRuns } from "./events-frames.js";
import type { SocketCounters } from "./metrics/hub-metrics.js";
import { Presence } from "./presence.js";

/**
 * How long after a token's `exp` its socket may stay open: the sweep that closes it is moved no
 * earlier than this, so that the regular sweep (every 2 x heartbeat) usually does it at no extra wake.
 */
export const EXPIRY_SLACK_MS = 50_000;

/**
 * A dead socket is reported offline within this many heartbeats of its last sign of life (2 minutes
 * at the default 30 s): the sweep's alarm is set for the moment the stalest socket could be dead.
 */
export const PRESENCE_HEARTBEATS = 4;
/**
 * With no other device to tell (one device, or nobody watching presence), the idle sweep only
 * clears ghosts: this rarely (1 hour at the default). Presence reads and connects sweep first.
 */
export const UNWATCHED_SWEEP_HEARTBEATS = 120;

/**
 * The hub's open WebSockets, as the runtime holds them across hibernation: fan-out by topic tag,
 * presence, and the heartbeat sweep. Everything per connection lives in its attachment.
 */
export class Sockets {
  private readonly presence: Presence;
  /**
   * Live bytes sent to each connection since its last ACK. The runtime exposes no socket backlog;
   * this stands for it. Kept in memory, not in the attachment (it changes on every send): a hub that
   * hibernates starts again from 0, which errs toward keeping a connection, never toward closing it.
   */
  private readonly unacked = new WeakMap<WebSocket, number>();

  constructor(
    private readonly ctx: DurableObjectState,
    private readonly devices: DeviceRegistry,
    /** Past this many unacknowledged live bytes a connection is closed with 4012. */
    private readonly maxUnackedBytes = Infinity,
    /** The bound of an EVENTS frame (MAX_SERVER_FRAME_BYTES). */
    private readonly maxFrameBytes = 1_048_576,
    private readonly metrics?: SocketCounters,
  ) {
    this.presence = new Presence((id) => this.openCount(id) > 0, (id, online, now) => this.announce(id, online, now));
  }

  /**
   * Whether a socket is a live connection. The runtime keeps a socket the hub closed (a heartbeat
   * timeout, abuse, a too-large frame) in `getWebSockets()` until its close handshake, which a
   * vanished network never completes: such ghosts never count, for limits or presence.
   * `a`: the socket's attachment when the caller has read it already.
   */
  static live(ws: WebSocket, a: Attachment | null = readAttachment(ws)): boolean {
    return ws.readyState === WebSocket.OPEN && a?.gone !== true;
  }

  /** Live connections of the user. */
  liveCount(): number {
    return this.ctx.getWebSockets().filter((ws) => Sockets.live(ws)).length;
  }

  /** Live connections of a device, not counting `except` (a socket on its way out). */
  openCount(deviceId: string, except?: WebSocket): number {
    return this.ctx.getWebSockets(deviceTag(deviceId)).filter((s) => s !== except && Sockets.live(s)).length;
  }

  /** Closes a connection from the server side and counts it gone at once (the handshake may never finish). */
  close(ws: WebSocket, code: number, reason: string): void {
    try {
      ws.close(code, reason);
    } catch {
      // already closing
    }
    this.gone(ws);
  }

  send(ws: WebSocket, frame: object | string): boolean {
    try {
      const text = typeof frame === "string" ? frame : JSON.stringify(frame);
      ws.send(text);
      this.metrics?.sent(text, frame);
      return true;
    } catch {
      return false;
    }
  }

  save(ws: WebSocket, a: Attachment): void {
    try {
      ws.serializeAttachment(a);
    } catch (err) {
      log("error", "attachment not saved", { hub: a.userId, deviceId: a.deviceId }, err);
    }
  }

  /**
   * Sends an event to every connection that wants its topic, except `exclude`; returns how many got
   * it. A connection that would pass MAX_UNACKED_BYTES is closed with 4012 instead: it resumes with
   * `since`, and what it could not read is no longer held for it. `text`: the event's wire JSON
   * when the caller has it (the log's, made at append).
   */
  broadcast(event: NerveEvent, exclude?: WebSocket, text = JSON.stringify(event)): number {
    let delivered = 0;
    for (const ws of this.ctx.getWebSockets(topicTag(topicOfEvent(event)))) {
      if (ws !== exclude && this.sendLive(ws, text)) delivered++;
    }
    this.metrics?.delivered(delivered);
    return delivered;
  }

  /**
   * Sends the events of one write (in seq order, each with its wire JSON) to every connection that
   * wants their topics, except `exclude`; returns how many got each. A `batch=1` connection gets its
   * share in EVENTS frames (a batch publish of 1,000 events is one frame to it, not 1,000); any
   * other gets one frame per event, as from `broadcast`.
   */
  broadcastAll(items: readonly { event: NerveEvent; wire: string }[], exclude?: WebSocket): number[] {
    if (items.length === 1) return [this.broadcast(items[0]!.event, exclude, items[0]!.wire)];
    const topics = items.map((i) => topicOfEvent(i.event));
    const byTopic = new Map<Topic, Set<WebSocket>>();
    for (const t of new Set(topics)) byTopic.set(t, new Set(this.ctx.getWebSockets(topicTag(t))));
    const sockets = new Set([...byTopic.values()].flatMap((set) => [...set]));
    const delivered = items.map(() => 0);
    for (const ws of sockets) {
      if (ws === exclude) continue;
      const mine = items.flatMap((_, i) => (byTopic.get(topics[i]!)!.has(ws) ? [i] : []));
      if (readAttachment(ws)?.batch) {
        let at = 0;
        for (const { frame, count } of eventsRuns(mine.map((i) => items[i]!.wire), this.maxFrameBytes)) {
          if (this.sendLive(ws, frame)) for (const i of mine.slice(at, at + count)) delivered[i]!++;
          at += count;
        }
      } else {
        for (const i of mine) if (this.sendLive(ws, items[i]!.wire)) delivered[i]!++;
      }
    }
    this.metrics?.delivered(delivered.reduce((n, d) => n + d, 0));
    return delivered;
  }

  /**
   * Sends a live frame, unless it would take the connection past MAX_UNACKED_BYTES: then the
   * connection is closed with 4012 instead. Returns whether it was sent.
   */
  private sendLive(ws: WebSocket, text: string): boolean {
    const behind = (this.unacked.get(ws) ?? 0) + text.length;
    if (behind > this.maxUnackedBytes) {
      this.close(ws, CloseCode.TOO_FAR_BEHIND, `more than ${this.maxUnackedBytes} bytes sent since the last ACK; reconnect with since`);
      return false;
    }
    this.unacked.set(ws, behind);
    return this.send(ws, text);
  }

  /** A device's connections changed: its other devices hear of it, coalesced under churn. */
  presenceChanged(deviceId: string, now: number): void {
    this.presence.changed(deviceId, now);
  }

  /** The connection acknowledged what it read. */
  acked(ws: WebSocket): void {
    this.unacked.delete(ws);
  }

  /** DEVICE_CONNECTED / DEVICE_DISCONNECTED to the user's other devices. */
  private announce(deviceId: string, online: boolean, now: number): void {
    const device = this.devices.get(deviceId, this.openCount(deviceId), now);
    if (!device) return;
    const text = JSON.stringify({ type: online ? "DEVICE_CONNECTED" : "DEVICE_DISCONNECTED", device });
    for (const ws of this.ctx.getWebSockets(topicTag("presence"))) {
      const a = readAttachment(ws);
      if (a?.deviceId === deviceId || !Sockets.live(ws, a)) continue;
      this.send(ws, text);
    }
  }

  deviceList(now: number): DeviceInfo[] {
    return this.devices.list((id) => this.openCount(id), now)
      .map((d) => (d.online ? { ...d, lastHeard: this.lastHeard(d.deviceId) } : d));
  }

  /** A connection's last sign of life: its last `ping` (the runtime keeps the time), frame, or its connect. */
  private lastSign(ws: WebSocket, a: Attachment | null): number {
    const pinged = this.ctx.getWebSocketAutoResponseTimestamp(ws)?.getTime() ?? 0;
    return Math.max(pinged, a?.lastMessageAt ?? 0, a?.connectedAt ?? 0);
  }

  /** The device's last sign of life over its live connections. */
  private lastHeard(deviceId: string): number {
    let last = 0;
    for (const ws of this.ctx.getWebSockets(deviceTag(deviceId))) {
      const a = readAttachment(ws);
      if (!Sockets.live(ws, a)) continue;
      last = Math.max(last, this.lastSign(ws, a));
    }
    return last;
  }

  /**
   * Marks a connection gone, once (the sweep, an error and the close handshake may each report it),
   * and the device offline when it was its last connection, telling the others.
   */
  gone(ws: WebSocket): void {
    const a = readAttachment(ws);
    if (!a || a.gone) return;
    a.gone = true;
    this.save(ws, a);
    this.metrics?.closed();
    const now = Date.now();
    this.devices.touch(a.deviceId, now);
    if (this.openCount(a.deviceId, ws) === 0) this.presenceChanged(a.deviceId, now);
  }

  /**
   * Closes with 4010 the connections that sent no `ping` (answered by the runtime, which keeps its
   * timestamp) nor any frame for twice the heartbeat, and with 4002 those whose token expired.
   * Returns when to look again, or null when no connection is left. Runs from the `sweep` job, and
   * wherever presence is read or a device joins.
   */
  sweep(now: number, heartbeatMs: number): number | null {
    return this.survey(now, heartbeatMs, true);
  }

  /** When the sweep should next run, as things stand (closing nothing): for a new connection's schedule. */
  nextSweep(now: number, heartbeatMs: number): number | null {
    return this.survey(now, heartbeatMs, false);
  }

  /**
   * The next sweep: while another device watches presence, when the stalest socket could be dead
   * (its last sign of life + PRESENCE_HEARTBEATS, so a dead socket is reported within that, and a
   * hub of pinging devices wakes about once per 3-4 heartbeats); else UNWATCHED_SWEEP_HEARTBEATS on.
   */
  private survey(now: number, heartbeatMs: number, close: boolean): number | null {
    const limit = 2 * heartbeatMs;
    let oldest = Infinity;
    let firstExpiry = Infinity;
    const devices = new Set<string>();
    let watcher = false;
    for (const ws of this.ctx.getWebSockets()) {
      const a = readAttachment(ws);
      if (a?.gone) continue;
      if (close && a && expired(a, now)) {
        this.close(ws, CloseCode.TOKEN_INVALID, "token expired");
        continue;
      }
      if (a?.expiresAt !== undefined) firstExpiry = Math.min(firstExpiry, a.expiresAt);
      const last = this.lastSign(ws, a);
      if (close && now - last > limit) {
        this.close(ws, CloseCode.HEARTBEAT_TIMEOUT, "no ping for twice the heartbeat");
        continue;
      }
      oldest = Math.min(oldest, last);
      if (a) {
        devices.add(a.deviceId);
        watcher ||= wants(a, "presence");
      }
    }
    if (oldest === Infinity) return null;
    // Token expiry rides on the presence or idle wake whenever one falls within EXPIRY_SLACK_MS
    // after `exp`; else it costs one wake of its own.
    const expiryAt = firstExpiry + EXPIRY_SLACK_MS;
    if (watcher && devices.size >= 2) return Math.min(expiryAt, Math.max(oldest + PRESENCE_HEARTBEATS * heartbeatMs, now + heartbeatMs));
    return Math.min(expiryAt, now + UNWATCHED_SWEEP_HEARTBEATS * heartbeatMs);
  }
}
