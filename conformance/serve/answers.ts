/**
 * How the fake server answers a client message when the scenario does not answer it itself: as the
 * real server does for the sync side (ACCEPTED with the new seq and ts, STATE_SYNC with a full
 * STATE, PONG, ACK), and honestly refused for what it does not play (dream cycles).
 */
import { ERROR_RETRYABLE, STATE_UPDATE_TYPES, type ErrorCode, type EventType } from "../../protocol/index.js";
import type { ClientMessage, Connection } from "./connection.js";
import type { History, Json } from "./history.js";

/** The connecting device as the device list shows it. */
export function deviceEntry(c: Connection): Json {
  return { deviceId: c.deviceId, platform: c.query.platform ?? "web", ...(c.query.name ? { name: c.query.name } : {}), online: true, connections: 1, lastSeen: Date.now(), ackedSeq: 0 };
}

/** STATE of `keys` (every key when omitted), with the device list unless topics leave presence out. */
export function stateFrame(c: Connection, h: History, o: { reset: boolean; keys?: string[]; removed?: string[] }): Json {
  const presence = !c.query.topics || c.query.topics.split(",").includes("presence");
  return {
    type: "STATE", seq: h.seq, ...h.pick(o.keys), reset: o.reset,
    ...(o.removed?.length ? { removed: o.removed } : {}),
    ...(presence ? { devices: [deviceEntry(c)] } : {}),
  };
}

export function welcomeFrame(c: Connection, h: History, resumed: boolean): Json {
  return { type: "WELCOME", userId: "fake-user", deviceId: c.deviceId, seq: h.seq, serverTime: Date.now(), heartbeatMs: 30_000, resumed, epoch: h.epoch };
}

export function errorFrame(id: string | undefined, code: ErrorCode, message: string, extra: Json = {}): Json {
  return { type: "ERROR", ...(id !== undefined ? { id } : {}), code, message, retryable: ERROR_RETRYABLE[code], ...extra };
}

/** The default answer to `m`. */
export function defaultAnswer(c: Connection, m: ClientMessage, h: History): void {
  const id = m.id !== undefined ? { id: m.id } : {};
  if (STATE_UPDATE_TYPES.has(m.type)) {
    const type = (m.type === "UPDATE_PROGRESS" ? "SHOOT_PROGRESS" : m.type) as EventType;
    const key = type === "SHOOT_PROGRESS" ? `shoots.${(m.data as { shootId: string }).shootId}` : type === "LIMBIC_UPDATE" ? "limbic" : type === "CONVERGENCE_UPDATE" ? "convergence" : "posture";
    if (m.baseVersion !== undefined && (h.versions[key] ?? 0) !== m.baseVersion) {
      c.send(errorFrame(m.id, "CONFLICT", `${key} has changed since version ${m.baseVersion}`, { current: h.state[key] ?? null, currentVersion: h.versions[key] ?? 0 }));
      return;
    }
    const e = h.write(type, m.data ?? {}, c.deviceId);
    c.send({ type: "ACCEPTED", ...id, seq: e.seq, ts: e.ts });
    return;
  }
  switch (m.type) {
    case "PING":
      return c.send({ type: "PONG", t: (m.data as { t: number }).t, serverTime: Date.now() });
    case "ACK":
    case "REFRESH":
      if (m.id !== undefined) c.send({ type: "ACCEPTED", id: m.id });
      return;
    case "STATE_SYNC":
      c.send(stateFrame(c, h, { reset: true }));
      if (m.id !== undefined) c.send({ type: "ACCEPTED", id: m.id });
      return;
    default:
      // DREAM_START, DREAM_CANCEL, DREAM_SCHEDULE: this fake server plays no dream cycles.
      c.send(errorFrame(m.id, "NOT_FOUND", `the conformance fake server plays no ${m.type}`));
  }
}
