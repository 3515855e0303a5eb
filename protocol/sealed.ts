/**
 * Sealed (end-to-end encrypted) state: the shapes the hub stores and relays without reading them.
 * The hub checks only these shapes and who may write what; every cryptographic check happens on
 * devices (client/sealed/). Design and threat model: docs/encryption.md; wire: protocol.md 16.
 */
import * as z from "zod/mini";
import { DeviceName, Id } from "./ids.js";

/** Base64url without padding, exactly `bytes` long when decoded. */
const b64Exact = (bytes: number) => {
  const chars = Math.ceil((bytes * 4) / 3);
  return z.string().check(z.length(chars), z.regex(/^[A-Za-z0-9_-]*$/, "must be base64url without padding"));
};
/** Base64url without padding, 1 to `maxBytes` bytes decoded. */
const b64Max = (maxBytes: number) =>
  z.string().check(z.minLength(1), z.maxLength(Math.ceil((maxBytes * 4) / 3)), z.regex(/^[A-Za-z0-9_-]*$/, "must be base64url without padding"));

/** A 32-byte X25519 or Ed25519 public key. */
export const PublicKey = b64Exact(32);
/** A 64-byte Ed25519 signature. */
export const Signature = b64Exact(64);
/** A 24-byte XChaCha20-Poly1305 nonce. */
export const Nonce = b64Exact(24);
/** A 32-byte digest or random value. */
export const Bytes32 = b64Exact(32);

/** The most ciphertext (tag included) a sealed value may have: 16 KiB. */
export const MAX_SEALED_CIPHERTEXT = 16_384;
/** Links a directory may hold. */
export const MAX_DIRECTORY_LINKS = 128;
/** Devices a directory may hold at once. */
export const MAX_DIRECTORY_MEMBERS = 32;

/** The name of a sealed key, `sealed.<name>`: 1-64 characters of `[A-Za-z0-9._-]`. */
export const SealedName = z.string().check(z.minLength(1), z.maxLength(64), z.regex(/^[A-Za-z0-9._-]+$/, "must be 1-64 characters of [A-Za-z0-9._-]"));
export const SEALED_PREFIX = "sealed.";
export const KEYRING_KEY = "keyring";
export const PAIRING_PREFIX = "pairing.";

/** A value sealed by an approved device: AEAD under the epoch's value key, signed by `from`. */
export const DeviceEnvelope = z.strictObject({
  v: z.literal(1),
  kind: z.literal("device"),
  epoch: z.int().check(z.gte(1)),
  /** The sending device; the hub refuses a device envelope whose `from` is not its sender. */
  from: Id,
  /** When the sender sealed it (its clock), signed: lets a reader see a replayed older value. */
  ts: z.number(),
  nonce: Nonce,
  ct: b64Max(MAX_SEALED_CIPHERTEXT),
  sig: Signature,
});
export type DeviceEnvelope = z.infer<typeof DeviceEnvelope>;

/** A value sealed by a service to the epoch's seal public key (a sealed box): confidential, not signed. */
export const ServiceEnvelope = z.strictObject({
  v: z.literal(1),
  kind: z.literal("service"),
  epoch: z.int().check(z.gte(1)),
  /** The service's name as it claims it; the hub sets the event's `from` from the token. */
  from: Id,
  ts: z.number(),
  /** The ephemeral X25519 public key of the box. */
  epk: PublicKey,
  nonce: Nonce,
  ct: b64Max(MAX_SEALED_CIPHERTEXT),
});
export type ServiceEnvelope = z.infer<typeof ServiceEnvelope>;

export const SealedEnvelope = z.discriminatedUnion("kind", [DeviceEnvelope, ServiceEnvelope]);
export type SealedEnvelope = z.infer<typeof SealedEnvelope>;

/** `SEALED_UPDATE` data: the new value of `sealed.<name>`, replaced whole. */
export const SealedUpdateData = z.strictObject({ name: SealedName, envelope: SealedEnvelope });
export type SealedUpdateData = z.infer<typeof SealedUpdateData>;

/** A device as the directory lists it. */
export const DirectoryDevice = z.strictObject({
  deviceId: Id,
  name: z.optional(DeviceName),
  x25519: PublicKey,
  ed25519: PublicKey,
});
export type DirectoryDevice = z.infer<typeof DirectoryDevice>;

/**
 * One link of the directory's hash chain, signed by a member before it (link 1: by the device it adds).
 * `add` carries `device`; `remove` carries `removed`, opens epoch + 1 and wraps the old content key.
 */
export const DirectoryLink = z.strictObject({
  v: z.literal(1),
  seq: z.int().check(z.gte(1), z.lte(MAX_DIRECTORY_LINKS)),
  /** SHA-256 of the previous link's signed bytes and signature; "" for link 1. */
  prev: z.union([z.literal(""), Bytes32]),
  op: z.enum(["add", "remove"]),
  device: z.optional(DirectoryDevice),
  removed: z.optional(Id),
  /** The epoch in force after this link. */
  epoch: z.int().check(z.gte(1)),
  /** That epoch's seal public key: services seal to it; a granted key must derive it. */
  sealPub: PublicKey,
  /** `remove`: the previous epoch's content key, sealed under the new one's wrap key. */
  keyWrap: z.optional(z.strictObject({ nonce: Nonce, ct: b64Exact(48) })),
  signer: Id,
  at: z.number(),
  sig: Signature,
});
export type DirectoryLink = z.infer<typeof DirectoryLink>;

/** A content key sealed to one device (ephemeral X25519 box), signed by the member that granted it. */
export const KeyGrant = z.strictObject({
  v: z.literal(1),
  deviceId: Id,
  epoch: z.int().check(z.gte(1)),
  epk: PublicKey,
  nonce: Nonce,
  ct: b64Exact(48),
  signer: Id,
  sig: Signature,
});
export type KeyGrant = z.infer<typeof KeyGrant>;

/** The `keyring` state value: the directory's links and each device's latest grant. */
export const Keyring = z.strictObject({
  links: z.array(DirectoryLink).check(z.maxLength(MAX_DIRECTORY_LINKS)),
  grants: z.array(KeyGrant).check(z.maxLength(MAX_DIRECTORY_MEMBERS)),
});
export type Keyring = z.infer<typeof Keyring>;

/** `KEYRING_UPDATE` data: at most one link to append, grants to set (per device) and grants to drop, in one write. */
export const KeyringUpdateData = z.strictObject({
  link: z.optional(DirectoryLink),
  grants: z.array(KeyGrant).check(z.maxLength(MAX_DIRECTORY_MEMBERS)),
  drop: z.optional(z.array(Id).check(z.maxLength(MAX_DIRECTORY_MEMBERS))),
}).check(z.refine((d) => d.link !== undefined || d.grants.length > 0 || (d.drop?.length ?? 0) > 0, { message: "a link, a grant or a drop is required" }));
export type KeyringUpdateData = z.infer<typeof KeyringUpdateData>;

/** `PAIRING_UPDATE` data: one step of approving a new device (docs/encryption.md section 3). */
export const PairingUpdateData = z.discriminatedUnion("step", [
  /** From the new device itself: its keys and the commitment SHA-256(r_N). */
  z.strictObject({ step: z.literal("request"), deviceId: Id, name: z.optional(DeviceName), x25519: PublicKey, ed25519: PublicKey, commit: Bytes32 }),
  /** From an approved device (`by`, its sender): its random r_A. */
  z.strictObject({ step: z.literal("challenge"), deviceId: Id, by: Id, nonce: Bytes32 }),
  /** From the new device: r_N, once it has seen the challenge. */
  z.strictObject({ step: z.literal("reveal"), deviceId: Id, nonce: Bytes32 }),
  /** From either: the pairing is over. */
  z.strictObject({ step: z.literal("close"), deviceId: Id, outcome: z.enum(["approved", "declined", "cancelled"]) }),
]);
export type PairingUpdateData = z.infer<typeof PairingUpdateData>;

type Step<S extends PairingUpdateData["step"]> = Omit<Extract<PairingUpdateData, { step: S }>, "step" | "deviceId">;

/** The `pairing.<deviceId>` state value: the steps so far. */
export interface PairingState {
  deviceId: string;
  request: Step<"request">;
  challenge?: Step<"challenge">;
  reveal?: Step<"reveal">;
  closed?: Step<"close"> & { by: string };
}

export const PairingStateSchema = z.strictObject({
  deviceId: Id,
  request: z.strictObject({ name: z.optional(DeviceName), x25519: PublicKey, ed25519: PublicKey, commit: Bytes32 }),
  challenge: z.optional(z.strictObject({ by: Id, nonce: Bytes32 })),
  reveal: z.optional(z.strictObject({ nonce: Bytes32 })),
  closed: z.optional(z.strictObject({ outcome: z.enum(["approved", "declined", "cancelled"]), by: z.string() })),
});

/** The next `keyring` value: the link appended, grants replaced per device, dropped ones gone. */
export function reduceKeyring(current: Keyring | undefined, d: KeyringUpdateData): Keyring {
  const cur = current ?? { links: [], grants: [] };
  const replaced = new Set([...(d.drop ?? []), ...d.grants.map((g) => g.deviceId)]);
  return {
    links: d.link ? [...cur.links, d.link] : cur.links,
    grants: [...cur.grants.filter((g) => !replaced.has(g.deviceId)), ...d.grants],
  };
}

/** The next `pairing.<id>` value: a request starts over; the other steps add to it. */
export function reducePairing(current: PairingState | undefined, d: PairingUpdateData, from: string): PairingState {
  switch (d.step) {
    case "request": {
      const { step: _s, deviceId, ...request } = d;
      return { deviceId, request };
    }
    case "challenge":
      return { ...current!, challenge: { by: d.by, nonce: d.nonce } };
    case "reveal":
      return { ...current!, reveal: { nonce: d.nonce } };
    case "close":
      return { ...current!, closed: { outcome: d.outcome, by: from } };
  }
}

/** The members, epoch and seal key that a chain of links describes; no signature is checked here. */
export interface DirectoryFold {
  members: Map<string, DirectoryDevice>;
  epoch: number;
  sealPub: string | null;
}

/**
 * Folds links into the directory they describe, or names the first structural fault (the hub
 * refuses such a write; devices also check every signature and hash, in client/sealed/).
 * @example foldDirectory([]) // { ok: true, fold: { members: Map(0), epoch: 0, sealPub: null } }
 */
export function foldDirectory(links: readonly DirectoryLink[]): { ok: true; fold: DirectoryFold } | { ok: false; seq: number; reason: string } {
  const members = new Map<string, DirectoryDevice>();
  let epoch = 0;
  let sealPub: string | null = null;
  for (const [i, l] of links.entries()) {
    const fault = (reason: string) => ({ ok: false as const, seq: l.seq, reason });
    if (l.seq !== i + 1) return fault(`link ${i + 1} has seq ${l.seq}`);
    if ((i === 0) !== (l.prev === "")) return fault("only the first link has no prev");
    if (i === 0) {
      if (l.op !== "add" || l.device?.deviceId !== l.signer || l.epoch !== 1) return fault("the first link adds its signer in epoch 1");
    } else if (!members.has(l.signer)) {
      return fault(`${l.signer} is not a member`);
    }
    if (l.op === "add") {
      if (!l.device || l.removed !== undefined || l.keyWrap !== undefined) return fault("an add link carries a device only");
      if (members.has(l.device.deviceId)) return fault(`${l.device.deviceId} is a member already`);
      if (i > 0 && (l.epoch !== epoch || l.sealPub !== sealPub)) return fault("an add link keeps the epoch");
      if (members.size >= MAX_DIRECTORY_MEMBERS) return fault(`at most ${MAX_DIRECTORY_MEMBERS} devices`);
      members.set(l.device.deviceId, l.device);
    } else {
      if (l.removed === undefined || l.device !== undefined || !l.keyWrap) return fault("a remove link carries removed and keyWrap");
      if (!members.has(l.removed)) return fault(`${l.removed} is not a member`);
      if (l.removed === l.signer) return fault("a device cannot remove itself");
      if (l.epoch !== epoch + 1 || l.sealPub === sealPub) return fault("a remove link opens the next epoch with a new seal key");
      members.delete(l.removed);
    }
    epoch = l.epoch;
    sealPub = l.sealPub;
  }
  return { ok: true, fold: { members, epoch, sealPub } };
}

/**
 * Codes the SDK refuses sealed data with (never sent by the server, which cannot check them).
 * Stable: apps switch on them.
 */
export const SealedErrorCode = {
  /** A sealed value failed its signature or authentication tag, or is not a valid envelope. */
  SEALED_TAMPERED: "SEALED_TAMPERED",
  /** A sealed value names a sender that is not (and was not) a member of the directory. */
  SEALED_UNKNOWN_SENDER: "SEALED_UNKNOWN_SENDER",
  /** The directory is not a valid signed chain, or does not extend the one this device pinned (fork, rollback). */
  DIRECTORY_TAMPERED: "DIRECTORY_TAMPERED",
  /** A grant is badly signed, or its key does not derive the directory's seal key. */
  GRANT_TAMPERED: "GRANT_TAMPERED",
  /** This device holds no key for the epoch: not approved yet, removed, or the grant has not arrived. */
  SEALED_LOCKED: "SEALED_LOCKED",
  /** A pairing step failed: the reveal does not match the commitment, or the pairing is not in the needed step. */
  PAIRING_FAILED: "PAIRING_FAILED",
} as const;
export type SealedErrorCode = (typeof SealedErrorCode)[keyof typeof SealedErrorCode];
