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

/**
 * Applies a STATE frame: `reset` replaces everything, otherwise the keys in `removed` are dropped
 * and the keys it carries are merged.
 */
export function applyStateFrame(m: MirrorData, frame: StateFrame): { mirror: MirrorData; keys: string[] } {
  const keys = Object.keys(frame.state);
  const base = frame.reset || !frame.removed?.length ? m : removeKeys(m, frame.removed);
  if (base !== m) for (const k of frame.removed!) if (k in m.state && !keys.includes(k)) keys.push(k);
  const state = frame.reset ? { ...frame.state } : { ...base.state, ...frame.state };
  const versions = frame.reset ? { ...frame.versions } : { ...base.versions, ...frame.versions };
  const devices = frame.devices ?? m.devices;
  if (frame.reset) for (const k of Object.keys(m.state)) if (!keys.includes(k)) keys.push(k);
  return { mirror: { state: state as NerveState, versions, devices }, keys };
}

/**
 * Joins the parts of a split STATE (`part`/`more`) into the one frame they stand for: the first
 * part's `reset`, every part's keys, removals and versions, the last part's devices.
 */
export function joinStateParts(parts: readonly StateFrame[]): StateFrame {
  const [first, ...rest] = parts;
  const joined: StateFrame = { ...first!, state: { ...first!.state }, versions: { ...first!.versions }, removed: [...(first!.removed ?? [])] };
  for (const p of rest) {
    Object.assign(joined.state, p.state);
    Object.assign(joined.versions, p.versions);
    joined.removed!.push(...(p.removed ?? []));
    if (p.devices) joined.devices = p.devices;
    joined.seq = p.seq;
  }
  delete joined.part;
  delete joined.more;
  return joined;
}

/** Drops keys from the state and versions. */
export function removeKeys(m: MirrorData, keys: readonly string[]): MirrorData {
  const state = { ...m.state } as Record<string, unknown>;
  const versions = { ...m.versions };
  for (const k of keys) {
    delete state[k];
    delete versions[k];
  }
  return { ...m, state: state as NerveState, versions };
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
