/**
 * Sealing to a user from a service (docs/encryption.md section 5): read the user's `keyring`
 * (`GET /api/sync/users/:userId`), verify it, and seal to the current epoch's seal public key.
 * The service can write sealed values; it can never read them.
 */
import { Keyring, SealedErrorCode, type ServiceEnvelope } from "../../protocol/index.js";
import { verifyDirectory, type Pin } from "./directory.js";
import { sealForEpoch } from "./envelopes.js";
import { SealedError } from "./sealed-error.js";

/**
 * Verifies a user's keyring (against `pin`, the head the service saw last, when it keeps one) and
 * seals `value` as `sealed.<name>` for every device of the current epoch. Post the result to
 * `POST /api/sync/sealed` as `{userId, name, envelope}`. Returns the new head to pin.
 * @example
 * const { state } = await (await fetch(`${base}/api/sync/users/${userId}`, { headers })).json();
 * const { envelope } = sealToUser({ keyring: state.keyring, service: "kull", name: "insight", value: { text } });
 */
export function sealToUser(args: { keyring: unknown; service: string; name: string; value: unknown; pin?: Pin | null; now?: number }): { envelope: ServiceEnvelope; head: Pin } {
  const ring = Keyring.safeParse(args.keyring);
  if (!ring.success) throw new SealedError(SealedErrorCode.DIRECTORY_TAMPERED, "the keyring is missing or not well-formed");
  const checked = verifyDirectory(ring.data.links, args.pin ?? null);
  if (!checked.ok) throw new SealedError(checked.code, checked.message);
  const { epoch, sealPub, head } = checked.dir;
  return { envelope: sealForEpoch(args.service, args.name, args.value, epoch, sealPub, args.now), head };
}
