/**
 * Content keys: granted to one device as a signed sealed box (docs/encryption.md section 4), and
 * chained backwards by the key wraps of remove links, so that the current key opens every older one.
 */
import { SealedErrorCode, type DirectoryDevice, type KeyGrant } from "../../protocol/index.js";
import { b64url, equalBytes, framed, fromB64url } from "./bytes.js";
import type { DeviceKeys } from "./device-keys.js";
import type { VerifiedDirectory } from "./directory.js";
import { aeadOpen, aeadSeal, boxOpen, boxSeal, ed25519Verify, epochKeys, type EpochKeys } from "./primitives.js";
import { SealedError } from "./sealed-error.js";

const GRANT_INFO = "nerve-grant-v1";
const grantAad = (deviceId: string, epoch: number) => framed("nerve-grant-aad-v1", deviceId, epoch);
const grantBytes = (g: Omit<KeyGrant, "sig">) => framed("nerve-grant-v1", g.v, g.deviceId, g.epoch, g.epk, g.nonce, g.ct, g.signer);
const wrapAad = (epoch: number) => framed("nerve-wrap-aad-v1", epoch);

/** Seals `keys.content` to `recipient`, signed by the granting device. */
export async function makeGrant(signer: DeviceKeys, signerId: string, recipient: DirectoryDevice, keys: EpochKeys): Promise<KeyGrant> {
  const box = boxSeal(fromB64url(recipient.x25519), GRANT_INFO, grantAad(recipient.deviceId, keys.epoch), keys.content);
  const body = { v: 1 as const, deviceId: recipient.deviceId, epoch: keys.epoch, epk: b64url(box.epk), nonce: b64url(box.nonce), ct: b64url(box.ct), signer: signerId };
  return { ...body, sig: b64url(await signer.sign(grantBytes(body))) };
}

/** The previous epoch's content key wrapped under the new one's wrap key: a remove link's `keyWrap`. */
export function wrapPrevious(next: EpochKeys, previous: EpochKeys): { nonce: string; ct: string } {
  const { nonce, ct } = aeadSeal(next.wrap, wrapAad(next.epoch), previous.content);
  return { nonce: b64url(nonce), ct: b64url(ct) };
}

/**
 * Opens this device's grant and every older epoch's key through the wraps. Each key must derive
 * the seal public key the verified directory names for its epoch: a key the server (or anyone)
 * made up is refused even when sealed correctly. Throws SealedError.
 */
export async function openKeys(mine: DeviceKeys, myId: string, grant: KeyGrant | undefined, dir: VerifiedDirectory): Promise<Map<number, EpochKeys>> {
  if (!grant || grant.epoch !== dir.epoch) throw new SealedError(SealedErrorCode.SEALED_LOCKED, `no grant of epoch ${dir.epoch} for ${myId} yet`);
  const signer = dir.members.get(grant.signer);
  if (!signer || !ed25519Verify(fromB64url(grant.sig), grantBytes(grant), fromB64url(signer.ed25519))) {
    throw new SealedError(SealedErrorCode.GRANT_TAMPERED, `the grant for ${myId} is not signed by a member`);
  }
  const content = await boxOpen(mine.ecdh, mine.x25519, GRANT_INFO, grantAad(myId, grant.epoch), {
    epk: fromB64url(grant.epk), nonce: fromB64url(grant.nonce), ct: fromB64url(grant.ct),
  });
  if (!content) throw new SealedError(SealedErrorCode.GRANT_TAMPERED, `the grant for ${myId} does not open`);
  const keys = new Map<number, EpochKeys>();
  let current = epochKeys(grant.epoch, content);
  for (;;) {
    const opener = dir.opened.get(current.epoch)!;
    if (!equalBytes(current.sealPub, fromB64url(opener.sealPub))) {
      throw new SealedError(SealedErrorCode.GRANT_TAMPERED, `the key of epoch ${current.epoch} is not the one the directory names`);
    }
    keys.set(current.epoch, current);
    if (current.epoch === 1 || !opener.keyWrap) break;
    const older = aeadOpen(current.wrap, fromB64url(opener.keyWrap.nonce), wrapAad(current.epoch), fromB64url(opener.keyWrap.ct));
    if (!older) throw new SealedError(SealedErrorCode.GRANT_TAMPERED, `the key wrap of epoch ${current.epoch} does not open`);
    current = epochKeys(current.epoch - 1, older);
  }
  return keys;
}
