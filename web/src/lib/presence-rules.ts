import type { DeviceInfo } from "../../../protocol/index.js";

/**
 * How long after its last sign of life a device still counts as plainly "online". Devices ping
 * once a heartbeat; past a heartbeat and a quarter (and a second for the road) one was missed.
 */
export const staleAfterMs = (heartbeatMs: number): number => heartbeatMs * 1.25 + 1000;

export type PresenceKind = "you" | "online" | "stale" | "offline";

/** What to say about a device now. */
export function presenceOf(d: DeviceInfo, me: string | null, lastHeard: number | undefined, heartbeatMs: number, now: number): PresenceKind {
  if (d.deviceId === me) return "you";
  if (!d.online) return "offline";
  if (lastHeard !== undefined && now - lastHeard > staleAfterMs(heartbeatMs)) return "stale";
  return "online";
}
