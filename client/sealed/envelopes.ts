/**
 * Sealing and opening sealed values (docs/encryption.md section 5). Device values: XChaCha20-Poly1305
 * under the epoch's value key, signed by the sender. Service values: a sealed box to the epoch's
 * seal public key.
 */
import {
  ErrorCode, MAX_SEALED_CIPHERTEXT, SealedEnvelope, SealedErrorCode, type DeviceEnvelope, type ServiceEnvelope,
} from "../../protocol/index.js";
import { b64url, framed, fromB64url, fromUtf8, utf8 } from "./bytes.js";
import type { DeviceKeys } from "./device-keys.js";
import { memberIn, type VerifiedDirectory } from "./directory.js";
import { aeadOpen, aeadSeal, boxOpen, boxSeal, ed25519Verify, x25519Shared, type EpochKeys } from "./primitives.js";
import { SealedError } from "./sealed-error.js";

const SERVICE_INFO = "nerve-sbox-v1";
const deviceAad = (name: string, epoch: number, from: string, ts: number) => framed("nerve-sealed-aad-v1", name, epoch, from, ts);
const serviceAad = (name: string, epoch: number, from: string, ts: number) => framed("nerve-sbox-aad-v1", name, epoch, from, ts);
const signedBytes = (name: string, e: Omit<DeviceEnvelope, "sig">) => framed("nerve-sealed-v1", e.v, e.kind, name, e.epoch, e.from, e.ts, e.nonce, e.ct);

/** A value as JSON, padded with spaces (which JSON ignores) to a multiple of 64 bytes, so sizes say less. */
function plaintextOf(value: unknown): Uint8Array {
  const json = JSON.stringify(value);
  if (json === undefined) throw new SealedError(ErrorCode.INVALID_MESSAGE, "a sealed value must be JSON");
  const padded = json + " ".repeat((64 - (utf8(json).length % 64)) % 64);
  const bytes = utf8(padded);
  if (bytes.length + 16 > MAX_SEALED_CIPHERTEXT) throw new SealedError(ErrorCode.TOO_LARGE, `a sealed value may take ${MAX_SEALED_CIPHERTEXT - 16} bytes of JSON`);
  return bytes;
}

/** Seals a value as this device, under `keys` (the current epoch's). */
export async function sealValue(me: DeviceKeys, deviceId: string, name: string, value: unknown, keys: EpochKeys, now = Date.now()): Promise<DeviceEnvelope> {
  const { nonce, ct } = aeadSeal(keys.enc, deviceAad(name, keys.epoch, deviceId, now), plaintextOf(value));
  const body = { v: 1 as const, kind: "device" as const, epoch: keys.epoch, from: deviceId, ts: now, nonce: b64url(nonce), ct: b64url(ct) };
  return { ...body, sig: b64url(await me.sign(signedBytes(name, body))) };
}

/**
 * Seals a value to a user as a service: a sealed box to the epoch's seal public key (from a verified
 * directory). Any device holding that epoch's key opens it; nobody else, the service included.
 */
export function sealForEpoch(service: string, name: string, value: unknown, epoch: number, sealPub: string, now = Date.now()): ServiceEnvelope {
  const box = boxSeal(fromB64url(sealPub), SERVICE_INFO, serviceAad(name, epoch, service, now), plaintextOf(value));
  return { v: 1, kind: "service", epoch, from: service, ts: now, epk: b64url(box.epk), nonce: b64url(box.nonce), ct: b64url(box.ct) };
}

/** A sealed value opened and verified. */
export interface OpenedValue {
  value: unknown;
  /** The device (verified by its signature) or the service (as it claims: service values are not signed). */
  from: string;
  origin: "device" | "service";
  /** When the sender sealed it, by its clock (signed for device values). */
  writtenAt: number;
  epoch: number;
}

const tampered = (name: string, why: string) => new SealedError(SealedErrorCode.SEALED_TAMPERED, `sealed.${name}: ${why}`);

/**
 * Verifies and opens the value of `sealed.<name>`: envelope shape, sender membership in the
 * value's epoch, signature, then the AEAD tag. Throws SealedError with a code on any failure.
 */
export async function openValue(name: string, raw: unknown, dir: VerifiedDirectory, keys: ReadonlyMap<number, EpochKeys>): Promise<OpenedValue> {
  const parsed = SealedEnvelope.safeParse(raw);
  if (!parsed.success) throw tampered(name, "not a sealed envelope");
  const env = parsed.data;
  const k = keys.get(env.epoch);
  let plain: Uint8Array | null;
  if (env.kind === "device") {
    const sender = memberIn(dir, env.from, env.epoch);
    if (!sender) throw new SealedError(SealedErrorCode.SEALED_UNKNOWN_SENDER, `sealed.${name}: ${env.from} was not a device of epoch ${env.epoch}`);
    if (!ed25519Verify(fromB64url(env.sig), signedBytes(name, env), fromB64url(sender.ed25519))) throw tampered(name, `not signed by ${env.from}`);
    if (!k) throw new SealedError(SealedErrorCode.SEALED_LOCKED, `sealed.${name}: no key of epoch ${env.epoch} on this device`);
    plain = aeadOpen(k.enc, fromB64url(env.nonce), deviceAad(name, env.epoch, env.from, env.ts), fromB64url(env.ct));
  } else {
    if (!k) throw new SealedError(SealedErrorCode.SEALED_LOCKED, `sealed.${name}: no key of epoch ${env.epoch} on this device`);
    plain = await boxOpen(async (peer) => x25519Shared(k.sealSecret, peer), k.sealPub, SERVICE_INFO, serviceAad(name, env.epoch, env.from, env.ts), {
      epk: fromB64url(env.epk), nonce: fromB64url(env.nonce), ct: fromB64url(env.ct),
    });
  }
  if (!plain) throw tampered(name, "the ciphertext does not authenticate");
  let value: unknown;
  try {
    value = JSON.parse(fromUtf8(plain));
  } catch {
    throw tampered(name, "the plaintext is not JSON");
  }
  return { value, from: env.from, origin: env.kind, writtenAt: env.ts, epoch: env.epoch };
}
