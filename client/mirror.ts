import type { DeviceInfo, StateFrame } from "../protocol/index.js";
import type { NerveState } from "./types.js";

/**
 * The local copy of the user's state and devices. Immutable: every change makes new top-level
 * objects and keeps the identity of the values that did not change, so `useSyncExternalStore`
 * selectors re-render only what changed.
 */
export interface MirrorData {
  state: Readonly<NerveState>;
  versions: Readonly<Record<string, number>>;
  devices: readonly DeviceInfo[];
}

export const EMPTY_MIRROR: MirrorData = { state: {}, versions: {}, devices: [] };

/** Applies a STATE frame: `reset` replaces everything, otherwise the keys it carries are merged. */
export function applyStateFrame(m: MirrorData, frame: StateFrame): { mirror: MirrorData; keys: string[] } {
  const keys = Object.keys(frame.state);
  const state = frame.reset ? { ...frame.state } : { ...m.state, ...frame.state };
  const versions = frame.reset ? { ...frame.versions } : { ...m.versions, ...frame.versions };
  const devices = frame.devices ?? m.devices;
  if (frame.reset) for (const k of Object.keys(m.state)) if (!keys.includes(k)) keys.push(k);
  return { mirror: { state: state as NerveState, versions, devices }, keys };
}

export function setValue(m: MirrorData, key: string, value: unknown, version: number): MirrorData {
  return { ...m, state: { ...m.state, [key]: value } as NerveState, versions: { ...m.versions, [key]: version } };
}

/** Replaces (or adds) one device in the list. */
export function upsertDevice(m: MirrorData, device: DeviceInfo): MirrorData {
  const i = m.devices.findIndex((d) => d.deviceId === device.deviceId);
  const devices = i < 0 ? [...m.devices, device] : m.devices.map((d, j) => (j === i ? device : d));
  return { ...m, devices };
}
