import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { api, device, serviceToken, uniqueUser } from "./helpers.js";

const encoder = new TextEncoder();

/** POSTs a body whose stream ends after `sent` although it announced `declared` bytes (a client that hung up mid-body). */
async function postShort(path: string, token: string, sent: string, declared: number) {
  const { readable, writable } = new FixedLengthStream(declared);
  const writer = writable.getWriter();
  // The writer's side fails (fewer bytes than announced): expected, and not what this test is about.
  writer.write(encoder.encode(sent)).catch(() => undefined);
  writer.close().catch(() => undefined);
  const res = await SELF.fetch(`https://nerve.test${path}`, {
    method: "POST", headers: { "Content-Type": "application/json", Authorization: `Bearer ${token}` }, body: readable,
  });
  return { status: res.status, json: await res.json() };
}

/** A chunked body (no Content-Length) of `chunks` pieces of `size` bytes. */
function streamOf(chunks: number, size: number): ReadableStream<Uint8Array> {
  let sent = 0;
  return new ReadableStream({
    pull(controller) {
      if (sent++ === chunks) return controller.close();
      controller.enqueue(encoder.encode(" ".repeat(size)));
    },
  });
}

describe("reading request bodies", () => {
  it("a body shorter than its Content-Length is 400 BAD_JSON, not 500, and publishes nothing", async () => {
    const user = uniqueUser("short");
    const watcher = await device(user, "watcher");
    const res = await postShort("/api/sync/credit-update", await serviceToken(), JSON.stringify({ userId: user, newBalance: 1, change: 1, reason: "x" }).slice(0, 30), 200);
    expect(res).toEqual({ status: 400, json: { error: { code: "BAD_JSON", retryable: false, message: "the body could not be read to its end (shorter than its Content-Length?)" } } });
    const read = await api(`/api/sync/users/${user}`, { token: await serviceToken() });
    expect(read.json.seq).toBe(0);
    watcher.client.close();
  });

  it("a whole body that is valid still publishes (the same route, read through the same middleware)", async () => {
    const user = uniqueUser("short");
    const body = JSON.stringify({ userId: user, newBalance: 1, change: 1, reason: "x" });
    const { readable, writable } = new FixedLengthStream(encoder.encode(body).byteLength);
    const writer = writable.getWriter();
    void writer.write(encoder.encode(body));
    void writer.close();
    const res = await SELF.fetch("https://nerve.test/api/sync/credit-update", {
      method: "POST", headers: { "Content-Type": "application/json", Authorization: `Bearer ${await serviceToken()}` }, body: readable,
    });
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ seq: 1, delivered: 0 });
  });

  it("a chunked body past MAX_BODY_BYTES is 413 TOO_LARGE while streaming", async () => {
    const res = await SELF.fetch("https://nerve.test/api/sync/credit-update", {
      method: "POST", headers: { "Content-Type": "application/json", Authorization: `Bearer ${await serviceToken()}` }, body: streamOf(300, 1024),
    });
    expect(res.status).toBe(413);
    expect(await res.json()).toEqual({ error: { code: "TOO_LARGE", retryable: false, message: "the body is larger than 262144 bytes" } });
  });

  it("a declared Content-Length past MAX_BODY_BYTES is 413 before reading", async () => {
    const res = await api("/api/sync/credit-update", { token: await serviceToken(), body: JSON.stringify({ pad: "x".repeat(300_000) }) });
    expect(res.status).toBe(413);
    expect(res.json).toEqual({ error: { code: "TOO_LARGE", retryable: false, message: "the body is larger than 262144 bytes" } });
  });

  it("415, 400 BAD_JSON and 400 INVALID_BODY keep their coded bodies", async () => {
    const token = await serviceToken();
    const text = await api("/api/sync/credit-update", { token, body: "userId=a", headers: { "Content-Type": "text/plain" } });
    expect(text).toMatchObject({ status: 415, json: { error: { code: "UNSUPPORTED_MEDIA_TYPE", retryable: false, message: "the body must be JSON (Content-Type: application/json)" } } });
    const broken = await api("/api/sync/credit-update", { token, body: "{broken" });
    expect(broken).toMatchObject({ status: 400, json: { error: { code: "BAD_JSON", retryable: false, message: "the body is not valid JSON" } } });
    const invalid = await api("/api/sync/credit-update", { token, body: { userId: "a b", newBalance: 1, change: 1, reason: "x" } });
    expect(invalid.status).toBe(400);
    expect(invalid.json).toEqual({ error: { code: "INVALID_BODY", retryable: false, message: "the body is invalid", issues: [{ path: "userId", message: "must be 1-128 characters of [A-Za-z0-9._:@-]" }] } });
  });

  it("checks the token before the body: a bad body without a token is 401", async () => {
    const res = await api("/api/sync/credit-update", { body: "{broken" });
    expect(res.status).toBe(401);
    expect(res.json.error.code).toBe("UNAUTHORIZED");
  });
});
