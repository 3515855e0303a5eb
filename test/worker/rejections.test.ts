import { SELF } from "cloudflare:test";
import { SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import { connect, serviceToken, uniqueUser, userToken } from "./helpers.js";

async function closeCodeOf(query: Record<string, string | undefined>, headers: Record<string, string> = {}) {
  const client = await connect(query, headers);
  const closed = await client.waitClosed();
  expect(client.frames).toEqual([]);
  return closed;
}

describe("/ws rejections", () => {
  it("answers a plain request with 426 and a JSON error", async () => {
    const res = await SELF.fetch("https://nerve.test/ws");
    expect(res.status).toBe(426);
    expect(await res.json()).toEqual({ error: { code: "UPGRADE_REQUIRED", retryable: false, message: "this endpoint takes a WebSocket upgrade" } });
  });

  it("closes 4001 without a token", async () => {
    expect(await closeCodeOf({})).toEqual({ code: 4001, reason: "token missing" });
  });

  it("closes 4002 for a malformed token", async () => {
    expect((await closeCodeOf({ token: "not-a-jwt" })).code).toBe(4002);
  });

  it("closes 4002 for an expired token, saying so", async () => {
    expect(await closeCodeOf({ token: await userToken(uniqueUser(), { ttl: -60 }) })).toEqual({ code: 4002, reason: "token expired" });
  });

  it("closes 4002 for a token signed with another secret", async () => {
    const other = new TextEncoder().encode("some-other-secret-0123456789abcdef0123");
    expect((await closeCodeOf({ token: await userToken(uniqueUser(), { secret: other }) })).code).toBe(4002);
  });

  it("closes 4002 for alg none", async () => {
    const b64 = (o: object) => btoa(JSON.stringify(o)).replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");
    const token = `${b64({ alg: "none", typ: "JWT" })}.${b64({ sub: "mallory", exp: Math.floor(Date.now() / 1000) + 600 })}.`;
    expect((await closeCodeOf({ token })).code).toBe(4002);
  });

  it("closes 4002 for a service token: services never open /ws", async () => {
    expect(await closeCodeOf({ token: await serviceToken() })).toEqual({ code: 4002, reason: "service tokens cannot open /ws" });
  });

  it("closes 4000 with the reason for invalid query parameters", async () => {
    const token = await userToken(uniqueUser());
    expect(await closeCodeOf({ token, platform: "amiga" })).toMatchObject({ code: 4000, reason: expect.stringMatching(/^platform: /) });
    expect((await closeCodeOf({ token, topics: "state,gossip" })).code).toBe(4000);
    expect((await closeCodeOf({ token, since: "-1" })).code).toBe(4000);
    expect((await closeCodeOf({ token, device: "bad device id" })).code).toBe(4000);
  });

  it("closes 4009 past MAX_CONNECTIONS_PER_USER (20), and the others stay connected", async () => {
    const user = uniqueUser();
    const token = await userToken(user);
    const open = [];
    for (let i = 0; i < 20; i++) {
      const c = await connect({ token, device: `d${i}` });
      await c.catchUp();
      open.push(c);
    }
    const extra = await connect({ token, device: "d20" });
    expect(await extra.waitClosed()).toEqual({ code: 4009, reason: "too many connections (limit 20)" });
    open[0]!.send({ type: "PING", data: { t: 1 } });
    expect((await open[0]!.next("PONG")).t).toBe(1);
    expect(open.every((c) => c.closed === null)).toBe(true);
    open.forEach((c) => c.close());
  });

  it("closes 4002 for a token whose sub is not a valid userId", async () => {
    const key = new TextEncoder().encode("nerve-test-secret-0123456789abcdef0123456789abcdef");
    const token = await new SignJWT({}).setProtectedHeader({ alg: "HS256" }).setSubject("has space").setExpirationTime("5m").sign(key);
    expect((await closeCodeOf({ token })).code).toBe(4002);
  });
});
