/** Headers of the signed request to the external dream processor. */
export const SIGNATURE_HEADER = "X-Nerve-Signature";
export const TIMESTAMP_HEADER = "X-Nerve-Timestamp";

function hex(bytes: ArrayBuffer): string {
  return [...new Uint8Array(bytes)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * The signature of a processor request: HMAC-SHA256 over `${timestamp}.${body}`, hex, as
 * `v1=<hex>`. The timestamp is signed too, so a captured request cannot be replayed later.
 * @example await sign("secret", 1700000000000, "{}") // "v1=5f0c..."
 */
export async function sign(secret: string, timestamp: number, body: string): Promise<string> {
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return `v1=${hex(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(`${timestamp}.${body}`)))}`;
}

/**
 * POSTs a cycle's summary to the processor. Resolves when it accepted (any 2xx); its answer comes
 * later through `POST /api/sync/dream-result`. Throws on a network error, a timeout or another
 * status, so the step is retried.
 */
export async function postToProcessor(
  fetcher: typeof fetch, url: string, secret: string, payload: unknown, now: number, timeoutMs = 10_000,
): Promise<void> {
  const body = JSON.stringify(payload);
  const res = await fetcher(url, {
    method: "POST",
    headers: { "Content-Type": "application/json", [TIMESTAMP_HEADER]: String(now), [SIGNATURE_HEADER]: await sign(secret, now, body) },
    body,
    signal: AbortSignal.timeout(timeoutMs),
  });
  await res.body?.cancel();
  if (!res.ok) throw new Error(`the dream processor answered ${res.status}`);
}
