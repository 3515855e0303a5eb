import * as z from "zod/mini";
import { DeviceName, Id } from "../../../protocol/index.js";
import { local } from "./safe-storage.js";

/**
 * This browser as a device: a random id and a readable name, made once and kept in localStorage,
 * so two browsers never share a device (they once both became "Browser window 1", one device with
 * one connection) and a reload or a new token keeps the same one. The name is editable.
 */
const Identity = z.object({ deviceId: Id, deviceName: DeviceName });
export type DeviceIdentity = z.infer<typeof Identity>;

const KEY = "nerve-app.device";
const ANIMALS = ["Otter", "Heron", "Lynx", "Finch", "Panda", "Koala", "Falcon", "Badger", "Marten", "Ibis", "Gecko", "Orca",
  "Puffin", "Bison", "Crane", "Dingo", "Egret", "Ferret", "Gibbon", "Hare", "Jay", "Kiwi", "Lemur", "Moose", "Newt", "Owl",
  "Quail", "Raven", "Seal", "Tapir", "Viper", "Wren"] as const;

function randomHex(bytes: number): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(bytes)), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** "Chrome on Linux", from the user agent: only for a default name the user can change. */
export function browserLabel(ua = navigator.userAgent): string {
  const browser = /Edg\//.test(ua) ? "Edge" : /Firefox\//.test(ua) ? "Firefox" : /Chrom(e|ium)\//.test(ua) ? "Chrome" : /Safari\//.test(ua) ? "Safari" : "Browser";
  const os = /iPhone|iPad/.test(ua) ? "iOS" : /Android/.test(ua) ? "Android" : /Mac OS X/.test(ua) ? "Mac" : /Windows/.test(ua) ? "Windows" : /Linux/.test(ua) ? "Linux" : "";
  return os ? `${browser} on ${os}` : browser;
}

/** A new identity: "Chrome on Linux · Otter 42", with an id no other browser has. */
export function newIdentity(): DeviceIdentity {
  const n = crypto.getRandomValues(new Uint32Array(1))[0]!;
  const animal = ANIMALS[n % ANIMALS.length]!;
  return { deviceId: `web-${randomHex(6)}`, deviceName: `${browserLabel()} · ${animal} ${10 + (Math.floor(n / ANIMALS.length) % 90)}` };
}

/** This browser's identity, made and stored on first use. */
export function browserIdentity(): DeviceIdentity {
  try {
    const parsed = Identity.safeParse(JSON.parse(local.getItem(KEY) ?? "null"));
    if (parsed.success) return parsed.data;
  } catch {
    // unreadable: make a new one
  }
  const fresh = newIdentity();
  local.setItem(KEY, JSON.stringify(fresh));
  return fresh;
}

/** Renames this browser's device (kept for the next sign-in and reload). */
export function saveDeviceName(deviceName: string): void {
  const current = browserIdentity();
  local.setItem(KEY, JSON.stringify({ ...current, deviceName }));
}

/** Whether `name` is a valid device name (what the server accepts). */
export const validDeviceName = (name: string): boolean => DeviceName.safeParse(name).success;
