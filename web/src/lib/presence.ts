import { useEffect, useState } from "react";
import type { DeviceInfo } from "../../../client/index.js";
import { useDevices, useNerveSelector } from "../../../client/react.js";
import { devicesNow } from "./me-api.js";
import { useHeartbeatMs } from "./nerve.js";



/**
 * The device list with `lastHeard` (docs/protocol.md 9). Presence frames say only when a device
 * connects and when the server notices it gone, which for a phone that lost its network is up to
 * two heartbeats later. While another device is shown online and this page is visible, the list is
 * read again every half heartbeat: that read carries each device's last sign of life, and lets the
 * server close sockets that went silent. A hidden page or a lone device costs no reads.
 */
export function usePresence(): { devices: readonly DeviceInfo[]; lastHeard: Record<string, number>; heartbeatMs: number } {
  const devices = useDevices();
  const me = useNerveSelector((s) => s.deviceId);
  const synced = useNerveSelector((s) => s.synced);
  const heartbeatMs = useHeartbeatMs();
  const [lastHeard, setLastHeard] = useState<Record<string, number>>({});
  const othersOnline = devices.some((d) => d.online && d.deviceId !== me);

  useEffect(() => {
    if (!othersOnline || !synced) return;
    let stopped = false;
    const read = () => {
      if (document.visibilityState !== "visible") return;
      devicesNow().then((list) => {
        if (stopped) return;
        setLastHeard(Object.fromEntries(list.filter((d) => d.lastHeard !== undefined).map((d) => [d.deviceId, d.lastHeard!])));
      }, () => {});
    };
    read();
    const t = setInterval(read, Math.max(2000, heartbeatMs / 2));
    document.addEventListener("visibilitychange", read);
    return () => {
      stopped = true;
      clearInterval(t);
      document.removeEventListener("visibilitychange", read);
    };
  }, [othersOnline, synced, heartbeatMs]);

  return { devices, lastHeard, heartbeatMs };
}
