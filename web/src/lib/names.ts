import { useCallback } from "react";
import type { DeviceInfo } from "../../../client/index.js";
import { useDevices, useNerveSelector } from "../../../client/react.js";

/** Who made a change, in words: a device's name, "you" for this device, or what kind of service. */
export interface Who {
  label: string;
  /** This device. */
  you: boolean;
  /** Another of the user's devices (not a service or the hub). */
  device: boolean;
}

/** Sources that are the hub itself, not a device or a service. */
const SYSTEM: Record<string, string> = { dream: "Dreaming", nerve: "Nerve", app: "one of your devices" };

/** Names a `from` (device id or service name) for people: never a raw id when a name is known. */
export function whoOf(from: string, devices: readonly DeviceInfo[], me: string | null): Who {
  if (from === me) return { label: "you", you: true, device: true };
  const device = devices.find((d) => d.deviceId === from);
  if (device) return { label: device.name ?? "another device", you: false, device: true };
  return { label: SYSTEM[from] ?? "a connected service", you: false, device: false };
}

/** `whoOf` bound to the live device list and this device. */
export function useWho(): (from: string) => Who {
  const devices = useDevices();
  const me = useNerveSelector((s) => s.deviceId);
  return useCallback((from: string) => whoOf(from, devices, me), [devices, me]);
}

/** "on Work Mac", "on this device", "by a connected service": where a change came from. */
export function whereOf(who: Who): string {
  if (who.you) return "on this device";
  return who.device ? `on ${who.label}` : `by ${who.label}`;
}
