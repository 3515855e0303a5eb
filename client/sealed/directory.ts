/**
 * The device directory as a device verifies it: a hash chain of signed links (docs/encryption.md
 * section 2), checked link by link against the last link this device pinned.
 */
import { foldDirectory, SealedErrorCode, type DirectoryDevice, type DirectoryLink } from "../../protocol/index.js";
import { b64url, concat, framed, fromB64url } from "./bytes.js";
import type { DeviceKeys } from "./device-keys.js";
import { ed25519Verify, sha256 } from "./primitives.js";

export type LinkBody = Omit<DirectoryLink, "sig">;

/** The last link a device accepted: a later directory must contain it unchanged. */
export interface Pin {
  seq: number;
  hash: string;
}

/** A device as it was a member: from the epoch it was added in, until the epoch that removed it. */
export interface MemberRecord {
  device: DirectoryDevice;
  since: number;
  until: number | null;
}

export interface VerifiedDirectory {
  links: readonly DirectoryLink[];
  members: ReadonlyMap<string, DirectoryDevice>;
  epoch: number;
  sealPub: string;
  head: Pin;
  /** Every device that ever was a member, for values sealed in older epochs. */
  history: ReadonlyMap<string, MemberRecord>;
  /** The link that opened each epoch (1: the first link; later: a remove link with its key wrap). */
  opened: ReadonlyMap<number, DirectoryLink>;
}

export type DirectoryCheck = { ok: true; dir: VerifiedDirectory } | { ok: false; code: typeof SealedErrorCode.DIRECTORY_TAMPERED; message: string };

/** The bytes a link's signature covers (every field but `sig`, framed). */
export function linkBytes(l: LinkBody): Uint8Array {
  return framed(
    "nerve-link-v1", l.v, l.seq, l.prev, l.op,
    l.device?.deviceId ?? "", l.device?.name ?? "", l.device?.x25519 ?? "", l.device?.ed25519 ?? "",
    l.removed ?? "", l.epoch, l.sealPub, l.keyWrap?.nonce ?? "", l.keyWrap?.ct ?? "", l.signer, l.at,
  );
}

/** A link's hash, which the next link carries as `prev`: over its signed bytes and its signature. */
export function linkHash(l: DirectoryLink): string {
  return b64url(sha256(concat(linkBytes(l), fromB64url(l.sig))));
}

export async function signLink(keys: DeviceKeys, body: LinkBody): Promise<DirectoryLink> {
  return { ...body, sig: b64url(await keys.sign(linkBytes(body))) };
}

/**
 * Verifies a chain of links: structure, hashes, and every signature after `pin` by a member before
 * the link (link 1 by the device it adds). With a pin, the chain must contain the pinned link
 * unchanged: a rollback or a fork is refused.
 */
export function verifyDirectory(links: readonly DirectoryLink[], pin: Pin | null): DirectoryCheck {
  const bad = (message: string): DirectoryCheck => ({ ok: false, code: SealedErrorCode.DIRECTORY_TAMPERED, message });
  if (!links.length) return bad("the directory is empty");
  const shape = foldDirectory(links);
  if (!shape.ok) return bad(`link ${shape.seq}: ${shape.reason}`);
  if (pin && links.length < pin.seq) return bad(`the directory has ${links.length} links; this device has seen ${pin.seq} (rolled back)`);
  const members = new Map<string, DirectoryDevice>();
  const history = new Map<string, MemberRecord>();
  const opened = new Map<number, DirectoryLink>();
  let prevHash = "";
  for (const l of links) {
    if (l.prev !== prevHash) return bad(`link ${l.seq} does not follow link ${l.seq - 1}`);
    const hash = linkHash(l);
    if (pin && l.seq === pin.seq && hash !== pin.hash) return bad(`link ${l.seq} differs from the one this device has seen (a fork)`);
    // Links up to the pin were verified when it was pinned; the hash chain proves they are the same.
    if (!pin || l.seq > pin.seq) {
      const signer = l.seq === 1 ? l.device : members.get(l.signer);
      if (!signer || !ed25519Verify(fromB64url(l.sig), linkBytes(l), fromB64url(signer.ed25519))) return bad(`link ${l.seq} is not signed by ${l.signer}`);
    }
    if (l.op === "add") {
      members.set(l.device!.deviceId, l.device!);
      history.set(l.device!.deviceId, { device: l.device!, since: l.epoch, until: null });
    } else {
      members.delete(l.removed!);
      history.set(l.removed!, { ...history.get(l.removed!)!, until: l.epoch });
    }
    if (!opened.has(l.epoch)) opened.set(l.epoch, l);
    prevHash = hash;
  }
  const last = links.at(-1)!;
  return { ok: true, dir: { links, members, epoch: last.epoch, sealPub: last.sealPub, head: { seq: last.seq, hash: prevHash }, history, opened } };
}

/** Whether `deviceId` was a member while `epoch` was current (a value of that epoch may come from it). */
export function memberIn(dir: VerifiedDirectory, deviceId: string, epoch: number): DirectoryDevice | null {
  const r = dir.history.get(deviceId);
  return r && r.since <= epoch && (r.until === null || epoch < r.until) ? r.device : null;
}
