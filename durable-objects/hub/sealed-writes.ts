import {
  ErrorCode, foldDirectory, KEYRING_KEY, MAX_DIRECTORY_LINKS, PAIRING_PREFIX,
  type Keyring, type KeyringUpdateData, type PairingState, type PairingUpdateData, type SealedUpdateData,
} from "../../protocol/index.js";
import type { HubError } from "../../common/hub-rpc.js";
import type { StateStore } from "../state-store.js";

/** A sealed write as the inbox hands it over. */
export type SealedWrite =
  | { type: "SEALED_UPDATE"; data: SealedUpdateData }
  | { type: "KEYRING_UPDATE"; data: KeyringUpdateData }
  | { type: "PAIRING_UPDATE"; data: PairingUpdateData };

const refuse = (code: ErrorCode, message: string): HubError["error"] => ({ code, message });

/**
 * The checks the hub can make on sealed writes without any key: who may write what, and that the
 * directory stays a well-formed chain. Signatures, hashes and ciphertext are the devices' to check
 * (the hub is not trusted with them); these checks keep honest mistakes and other users' devices'
 * garbage out, and make a device's claim about itself match its authenticated deviceId.
 * Returns null when the write may go ahead.
 */
export function checkSealedWrite(w: SealedWrite, sender: string, store: Pick<StateStore, "get">): HubError["error"] | null {
  switch (w.type) {
    case "SEALED_UPDATE":
      return checkSealedValue(w.data, sender, store.get(KEYRING_KEY)?.value as Keyring | undefined);
    case "KEYRING_UPDATE":
      return checkKeyring(w.data, sender, store.get(KEYRING_KEY)?.value as Keyring | undefined);
    case "PAIRING_UPDATE":
      return checkPairing(w.data, sender, store.get(`${PAIRING_PREFIX}${w.data.deviceId}`)?.value as PairingState | undefined, store.get(KEYRING_KEY)?.value as Keyring | undefined);
  }
}

/**
 * A device value comes from a current member, in its own name; every value (a service's too) is
 * sealed under the current epoch. So an honest hub keeps a removed device from writing at all, and
 * a device that missed a rotation from sealing anything new under the key the removed one holds.
 */
export function checkSealedValue(d: SealedUpdateData, sender: string | null, keyring: Keyring | undefined): HubError["error"] | null {
  const env = d.envelope;
  if (env.kind === "device" && env.from !== sender) return refuse(ErrorCode.FORBIDDEN, `a device envelope must name its sender (${sender}) as from`);
  const dir = foldDirectory(keyring?.links ?? []);
  if (!dir.ok || dir.fold.epoch === 0) return refuse(ErrorCode.NOT_FOUND, "the user has no device directory yet: nothing can be sealed to them");
  if (env.kind === "device" && !dir.fold.members.has(env.from)) return refuse(ErrorCode.FORBIDDEN, `${env.from} is not in the device directory`);
  if (env.epoch !== dir.fold.epoch) {
    return refuse(ErrorCode.STALE_EPOCH, `sealed under epoch ${env.epoch}; the directory is at epoch ${dir.fold.epoch}: seal again with its key`);
  }
  return null;
}

function checkKeyring(d: KeyringUpdateData, sender: string, current: Keyring | undefined): HubError["error"] | null {
  const links = current?.links ?? [];
  if ([...(d.link ? [d.link.signer] : []), ...d.grants.map((g) => g.signer)].some((s) => s !== sender)) {
    return refuse(ErrorCode.FORBIDDEN, `links and grants must be signed by their sender (${sender})`);
  }
  const before = foldDirectory(links);
  if (!before.ok) return refuse(ErrorCode.INVALID_MESSAGE, `the stored directory is broken at link ${before.seq}: ${before.reason}`);
  if (!d.link) {
    if (links.length === 0) return refuse(ErrorCode.INVALID_MESSAGE, "the directory is empty: its first write carries link 1");
    if (!before.fold.members.has(sender)) return refuse(ErrorCode.FORBIDDEN, `${sender} is not in the directory`);
    return null;
  }
  if (links.length >= MAX_DIRECTORY_LINKS) return refuse(ErrorCode.STATE_TOO_LARGE, `the directory holds ${MAX_DIRECTORY_LINKS} links already`);
  const after = foldDirectory([...links, d.link]);
  if (!after.ok) return refuse(after.reason.includes("not a member") ? ErrorCode.FORBIDDEN : ErrorCode.INVALID_MESSAGE, `link ${after.seq}: ${after.reason}`);
  return null;
}

const isMember = (keyring: Keyring | undefined, deviceId: string) => {
  const dir = foldDirectory(keyring?.links ?? []);
  return dir.ok && dir.fold.members.has(deviceId);
};

function checkPairing(d: PairingUpdateData, sender: string, current: PairingState | undefined, keyring: Keyring | undefined): HubError["error"] | null {
  const own = d.deviceId === sender;
  switch (d.step) {
    case "request":
      return own ? null : refuse(ErrorCode.FORBIDDEN, "a device may only request its own pairing");
    case "reveal":
      if (!own) return refuse(ErrorCode.FORBIDDEN, "only the requesting device reveals");
      if (!current?.challenge) return refuse(ErrorCode.NOT_FOUND, `pairing.${d.deviceId} has no challenge to answer`);
      return null;
    case "challenge":
      if (own || d.by !== sender) return refuse(ErrorCode.FORBIDDEN, "a challenge comes from another device, named in by");
      if (!current || current.closed) return refuse(ErrorCode.NOT_FOUND, `pairing.${d.deviceId} has no open request`);
      if (!isMember(keyring, sender)) return refuse(ErrorCode.FORBIDDEN, `${sender} is not in the device directory`);
      return null;
    case "close":
      if (!current) return refuse(ErrorCode.NOT_FOUND, `no pairing.${d.deviceId}`);
      return null;
  }
}
