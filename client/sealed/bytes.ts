/** Byte helpers for sealed state: base64url (no padding), UTF-8, and unambiguous framing for signatures. */

export const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);
export const fromUtf8 = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);

/** Base64url without padding, as every key, nonce, signature and ciphertext is on the wire. */
export function b64url(bytes: Uint8Array): string {
  let bin = "";
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** Decodes base64url; throws on anything else (callers turn that into a coded refusal). */
export function fromB64url(text: string): Uint8Array {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) throw new Error("not base64url");
  const bin = atob(text.replace(/-/g, "+").replace(/_/g, "/") + "=".repeat((4 - (text.length % 4)) % 4));
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * The bytes a signature or associated data covers: a domain label, then each part as a 4-byte
 * length and its bytes. Two different lists of parts never frame to the same bytes, and a
 * signature made for one purpose (a link) can never be read as one for another (a value).
 * @example framed("nerve-sealed-v1", "notes", 3)
 */
export function framed(label: string, ...parts: (Uint8Array | string | number)[]): Uint8Array {
  const chunks: Uint8Array[] = [];
  for (const p of [label, ...parts]) {
    const bytes = typeof p === "string" ? utf8(p) : typeof p === "number" ? utf8(String(p)) : p;
    const len = new Uint8Array(4);
    new DataView(len.buffer).setUint32(0, bytes.length);
    chunks.push(len, bytes);
  }
  return concat(...chunks);
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}
