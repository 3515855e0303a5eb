/**
 * The short code of a device approval (docs/encryption.md section 3): commit-reveal, so that nobody
 * in the middle can choose keys that give the same six digits.
 */
import { b64url, framed, fromB64url } from "./bytes.js";
import { sha256 } from "./primitives.js";

/** The commitment a new device publishes with its request: SHA-256 of its secret random value. */
export const commitOf = (secret: Uint8Array): string => b64url(sha256(framed("nerve-sas-commit-v1", secret)));

/**
 * Six digits both screens show: SHA-256 over the new device's keys, the approver's signing key and
 * both random values, read as a number mod 10^6.
 * @example pairingCode({ x25519, ed25519 }, approverEd25519, challengeNonce, revealNonce) // "048213"
 */
export function pairingCode(device: { x25519: string; ed25519: string }, approverEd25519: string, challenge: string, reveal: string): string {
  const h = sha256(framed("nerve-sas-v1", ...[device.x25519, device.ed25519, approverEd25519, challenge, reveal].map(fromB64url)));
  return String(new DataView(h.buffer, h.byteOffset, 4).getUint32(0) % 1_000_000).padStart(6, "0");
}
