import { SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import { TEST_JWT_SECRET } from "../test-secret.js";
import { api, connect, uniqueUser } from "./helpers.js";

// MAX_TOKEN_TTL_SECONDS is the default, 7 days, in the worker project.
const MAX = 604_800;
const key = new TextEncoder().encode(TEST_JWT_SECRET);
const nowS = () => Math.floor(Date.now() / 1000);

/** A user token with exactly the given `iat` (or none) and `exp`. */
function token(userId: string, times: { iat?: number; exp: number }): Promise<string> {
  const claims = times.iat === undefined ? {} : { iat: times.iat };
  return new SignJWT(claims).setProtectedHeader({ alg: "HS256" }).setSubject(userId).setExpirationTime(times.exp).sign(key);
}

async function refusedOnBoth(jwt: string, message: string | RegExp) {
  const http = await api("/api/me", { token: jwt });
  expect(http.status).toBe(401);
  expect(http.json).toEqual({ error: { code: "TOKEN_INVALID", retryable: false, message: expect.stringMatching(message) } });
  const client = await connect({ token: jwt });
  expect(await client.waitClosed()).toEqual({ code: 4002, reason: expect.stringMatching(message) });
  expect(client.frames).toEqual([]);
}

async function acceptedOnBoth(userId: string, jwt: string) {
  const http = await api("/api/me", { token: jwt });
  expect(http.status).toBe(200);
  expect(http.json).toMatchObject({ userId, seq: 0 });
  const client = await connect({ token: jwt, device: "d1" });
  const [welcome] = await client.catchUp();
  expect(welcome).toMatchObject({ type: "WELCOME", userId, deviceId: "d1" });
  client.close();
}

const exact = (s: string) => new RegExp(`^${s.replace(/[()]/g, "\\$&")}$`);

describe("MAX_TOKEN_TTL_SECONDS (default 7 days)", () => {
  it("refuses exp - iat one second over the limit: 401 TOKEN_INVALID and close 4002", async () => {
    const iat = nowS();
    await refusedOnBoth(await token(uniqueUser("ttl"), { iat, exp: iat + MAX + 1 }),
      exact(`token lifetime ${MAX + 1} s is longer than MAX_TOKEN_TTL_SECONDS (${MAX})`));
  });

  it("accepts exp - iat exactly at the limit", async () => {
    const user = uniqueUser("ttl");
    const iat = nowS();
    await acceptedOnBoth(user, await token(user, { iat, exp: iat + MAX }));
  });

  it("counts from iat, not from now: an old iat with a near exp is still too long-lived", async () => {
    const iat = nowS() - MAX;
    await refusedOnBoth(await token(uniqueUser("ttl"), { iat, exp: iat + MAX + 3600 }),
      exact(`token lifetime ${MAX + 3600} s is longer than MAX_TOKEN_TTL_SECONDS (${MAX})`));
  });

  it("without iat, refuses exp - now over the limit and accepts one under it", async () => {
    await refusedOnBoth(await token(uniqueUser("ttl"), { exp: nowS() + MAX + 3600 }), /^token lifetime 60\d{4} s is longer than MAX_TOKEN_TTL_SECONDS \(604800\)$/);
    const user = uniqueUser("ttl");
    await acceptedOnBoth(user, await token(user, { exp: nowS() + MAX - 3600 }));
  });

  it("refuses an iat more than 60 s in the future, and tolerates 30 s of clock skew", async () => {
    const now = nowS();
    await refusedOnBoth(await token(uniqueUser("ttl"), { iat: now + 120, exp: now + 600 }), /^token iat is in the future$/);
    const user = uniqueUser("ttl");
    await acceptedOnBoth(user, await token(user, { iat: now + 30, exp: now + 600 }));
  });

  it("applies to service tokens too", async () => {
    const iat = nowS();
    const jwt = await new SignJWT({ scope: "sync:read", iat }).setProtectedHeader({ alg: "HS256" }).setSubject("svc").setExpirationTime(iat + MAX + 1).sign(key);
    const res = await api(`/api/sync/users/${uniqueUser("ttl")}`, { token: jwt });
    expect(res.status).toBe(401);
    expect(res.json).toEqual({ error: { code: "TOKEN_INVALID", retryable: false, message: `token lifetime ${MAX + 1} s is longer than MAX_TOKEN_TTL_SECONDS (${MAX})` } });
  });
});
