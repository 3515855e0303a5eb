/**
 * The cryptographic primitives of sealed state, from audited libraries: X25519 and Ed25519
 * (@noble/curves), XChaCha20-Poly1305 (@noble/ciphers), HKDF-SHA-256 and SHA-256 (@noble/hashes).
 * Nothing here is hand-rolled beyond composing them; docs/encryption.md names every derivation.
 */
import { xchacha20poly1305 } from "@noble/ciphers/chacha.js";
import { randomBytes } from "@noble/ciphers/utils.js";
import { ed25519, x25519 } from "@noble/curves/ed25519.js";
import { hkdf } from "@noble/hashes/hkdf.js";
import { sha256 as nobleSha256 } from "@noble/hashes/sha2.js";
import { concat, utf8 } from "./bytes.js";

export { randomBytes };

export const sha256 = (bytes: Uint8Array): Uint8Array => nobleSha256(bytes);

/** 32 bytes of HKDF-SHA-256 with a domain label as `info`. */
export const hkdf32 = (ikm: Uint8Array, salt: Uint8Array, info: string): Uint8Array => hkdf(nobleSha256, ikm, salt, utf8(info), 32);

/** XChaCha20-Poly1305 with a fresh random 24-byte nonce (safe at random: 192 bits). */
export function aeadSeal(key: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): { nonce: Uint8Array; ct: Uint8Array } {
  const nonce = randomBytes(24);
  return { nonce, ct: xchacha20poly1305(key, nonce, aad).encrypt(plaintext) };
}

/** Opens an AEAD box; null when the tag does not verify (tampered, wrong key or wrong associated data). */
export function aeadOpen(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, ct: Uint8Array): Uint8Array | null {
  try {
    return xchacha20poly1305(key, nonce, aad).decrypt(ct);
  } catch {
    return null;
  }
}

export function ed25519Verify(sig: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
  try {
    return ed25519.verify(sig, message, publicKey);
  } catch {
    return false;
  }
}

export const ed25519Generate = () => {
  const secret = ed25519.utils.randomSecretKey();
  return { secret, publicKey: ed25519.getPublicKey(secret) };
};
export const ed25519Sign = (message: Uint8Array, secret: Uint8Array) => ed25519.sign(message, secret);

export const x25519Generate = () => {
  const secret = x25519.utils.randomSecretKey();
  return { secret, publicKey: x25519.getPublicKey(secret) };
};
export const x25519PublicOf = (secret: Uint8Array) => x25519.getPublicKey(secret);
export const x25519Shared = (secret: Uint8Array, peer: Uint8Array) => x25519.getSharedSecret(secret, peer);

/** A sealed box: what `boxSeal` makes. */
export interface Box {
  epk: Uint8Array;
  nonce: Uint8Array;
  ct: Uint8Array;
}

/**
 * Seals to an X25519 public key with an ephemeral key pair: ECDH, HKDF (salt: both public keys,
 * info: the purpose), XChaCha20-Poly1305. Only the holder of the recipient's private key opens it.
 */
export function boxSeal(recipient: Uint8Array, info: string, aad: Uint8Array, plaintext: Uint8Array): Box {
  const eph = x25519Generate();
  const key = hkdf32(x25519Shared(eph.secret, recipient), concat(eph.publicKey, recipient), info);
  const { nonce, ct } = aeadSeal(key, aad, plaintext);
  return { epk: eph.publicKey, nonce, ct };
}

/** Opens a sealed box with the recipient's ECDH (a WebCrypto key or bytes); null when it does not verify. */
export async function boxOpen(ecdh: (peer: Uint8Array) => Promise<Uint8Array>, recipient: Uint8Array, info: string, aad: Uint8Array, box: Box): Promise<Uint8Array | null> {
  let shared: Uint8Array;
  try {
    shared = await ecdh(box.epk);
  } catch {
    return null; // a low-order point or a malformed key: not a box for us
  }
  return aeadOpen(hkdf32(shared, concat(box.epk, recipient), info), box.nonce, aad, box.ct);
}

/** The keys one epoch's content key gives (docs/encryption.md section 1). */
export interface EpochKeys {
  epoch: number;
  content: Uint8Array;
  /** XChaCha20-Poly1305 key of sealed values. */
  enc: Uint8Array;
  /** Wraps the previous epoch's content key. */
  wrap: Uint8Array;
  /** X25519 private key that services' sealed boxes are sealed to. */
  sealSecret: Uint8Array;
  sealPub: Uint8Array;
}

export function epochKeys(epoch: number, content: Uint8Array): EpochKeys {
  const none = new Uint8Array(0);
  const sealSecret = hkdf32(content, none, "nerve-seal-v1");
  return {
    epoch, content,
    enc: hkdf32(content, none, "nerve-enc-v1"),
    wrap: hkdf32(content, none, "nerve-wrap-v1"),
    sealSecret,
    sealPub: x25519PublicOf(sealSecret),
  };
}
