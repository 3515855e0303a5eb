const B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/** Decodes base64url to a UTF-8 string without atob/Buffer (absent in some React Native engines). */
function base64UrlDecode(input: string): string {
  const clean = input.replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");
  const bytes: number[] = [];
  let buffer = 0;
  let bits = 0;
  for (const ch of clean) {
    const v = B64URL.indexOf(ch);
    if (v < 0) throw new Error("not base64url");
    buffer = (buffer << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      bytes.push((buffer >> bits) & 0xff);
    }
  }
  // decodeURIComponent decodes UTF-8 everywhere; TextDecoder is missing in older React Native engines.
  return decodeURIComponent(bytes.map((b) => `%${b.toString(16).padStart(2, "0")}`).join(""));
}

/**
 * The `sub` (userId), `did` and `exp` of a JWT, read without verifying it: to key local storage per
 * user before the server's WELCOME confirms who we are, and to refresh in time. Null when it cannot be read.
 */
export function peekToken(token: string): { sub: string; did?: string; exp?: number } | null {
  const payload = token.split(".")[1];
  if (!payload) return null;
  try {
    const claims = JSON.parse(base64UrlDecode(payload)) as { sub?: unknown; did?: unknown; exp?: unknown };
    if (typeof claims.sub !== "string" || claims.sub === "") return null;
    return {
      sub: claims.sub,
      ...(typeof claims.did === "string" ? { did: claims.did } : {}),
      ...(typeof claims.exp === "number" && Number.isFinite(claims.exp) ? { exp: claims.exp } : {}),
    };
  } catch {
    return null;
  }
}

/** A random id for messages and devices: crypto.randomUUID when present, else crypto.getRandomValues, else Math.random. */
export function randomId(prefix = ""): string {
  const c = (globalThis as { crypto?: { randomUUID?: () => string; getRandomValues?: (a: Uint8Array) => Uint8Array } }).crypto;
  if (c?.randomUUID) return prefix + c.randomUUID();
  const bytes = new Uint8Array(16);
  if (c?.getRandomValues) c.getRandomValues(bytes);
  else for (let i = 0; i < 16; i++) bytes[i] = Math.floor(Math.random() * 256);
  return prefix + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
