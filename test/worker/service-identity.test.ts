import { env } from "cloudflare:test";
import { SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import { app } from "../../src/app.js";
import type { Env } from "../../common/env.js";
import { TEST_JWT_SECRET } from "../test-secret.js";
import { api, connect, serviceToken, uniqueUser, userToken } from "./helpers.js";

// HS256 (JWT_SECRET) mode. Without SERVICE_AUDIENCE, the v1 rule: any `sync:*` scope makes a
// service token. With it (an explicit env per case), only tokens carrying that `aud` are.
const key = new TextEncoder().encode(TEST_JWT_SECRET);
const base = env as unknown as Env;

function sign(claims: Record<string, unknown>, sub: unknown = "svc"): Promise<string> {
  const exp = Math.floor(Date.now() / 1000) + 600;
  return new SignJWT({ sub: sub as string, ...claims }).setProtectedHeader({ alg: "HS256" }).setIssuedAt().setExpirationTime(exp).sign(key);
}

function request(e: Env, path: string, token: string) {
  return app.request(`https://nerve.test${path}`, { headers: { Authorization: `Bearer ${token}` } }, e);
}

describe("service identity without SERVICE_AUDIENCE (v1, HS256)", () => {
  it("a v1 service token (sub + scope) still reads a user's state", async () => {
    const user = uniqueUser("sid");
    const res = await api(`/api/sync/users/${user}`, { token: await serviceToken("sync:read") });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ seq: 0, state: {}, devices: [] });
  });

  it("any sync:* scope makes a service token: sync:admin cannot open /ws nor use /api/me, and has no sync:read", async () => {
    const admin = await sign({ scope: "sync:admin" }, "ops");
    const client = await connect({ token: admin });
    expect(await client.waitClosed()).toEqual({ code: 4002, reason: "service tokens cannot open /ws" });
    const me = await api("/api/me", { token: admin });
    expect(me.status).toBe(403);
    expect(me.json).toEqual({ error: { code: "FORBIDDEN", retryable: false, message: "this endpoint takes a user token; service tokens are not accepted" } });
    const read = await api(`/api/sync/users/${uniqueUser("sid")}`, { token: admin });
    expect(read.status).toBe(403);
    expect(read.json).toEqual({ error: { code: "FORBIDDEN", retryable: false, message: "the token lacks the sync:read scope" } });
  });

  for (const sub of [12345, {}, ["x"], true, "", "a b", "x".repeat(129)]) {
    it(`refuses a service token whose sub is ${JSON.stringify(sub).slice(0, 20)}: 401 TOKEN_INVALID`, async () => {
      const res = await api("/api/sync/credit-update", {
        token: await sign({ scope: "sync:publish" }, sub),
        body: { userId: uniqueUser("sid"), newBalance: 1, change: 1, reason: "x" },
      });
      expect(res.status).toBe(401);
      expect(res.json).toEqual({ error: { code: "TOKEN_INVALID", retryable: false, message: "service token sub must be 1-128 characters of [A-Za-z0-9._:@-]" } });
    });
  }

  it("refuses a user token whose sub is not a string", async () => {
    const res = await api("/api/me", { token: await sign({}, 12345) });
    expect(res.status).toBe(401);
    expect(res.json).toEqual({ error: { code: "TOKEN_INVALID", retryable: false, message: "token sub is not a valid userId" } });
  });
});

describe("service identity with SERVICE_AUDIENCE", () => {
  const e: Env = { ...base, SERVICE_AUDIENCE: "nerve-services", JWT_AUDIENCE: "nerve-app" };

  it("a token carrying the service audience is a service token", async () => {
    const res = await request(e, `/api/sync/users/${uniqueUser("sid")}`, await sign({ scope: "sync:read", aud: "nerve-services" }));
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ seq: 0, state: {} });
  });

  it("a scope alone no longer makes a service token: a user token with sync:read is a user token", async () => {
    const user = uniqueUser("sid");
    const token = await sign({ scope: "openid sync:read", aud: "nerve-app" }, user);
    const other = await request(e, `/api/sync/users/${uniqueUser("victim")}`, token);
    expect(other.status).toBe(403);
    expect(await other.json()).toEqual({ error: { code: "FORBIDDEN", retryable: false, message: "this endpoint takes a service token; user tokens are not accepted" } });
    const own = await request(e, "/api/me", token);
    expect(own.status).toBe(200);
    expect(await own.json()).toMatchObject({ userId: user, seq: 0 });
  });

  it("a service-audience token never acts as a user: 403 on /api/me, even with a did", async () => {
    const res = await request(e, "/api/me", await sign({ aud: "nerve-services", did: "phone" }, "alice"));
    expect(res.status).toBe(403);
    expect(await res.json()).toEqual({ error: { code: "FORBIDDEN", retryable: false, message: "this endpoint takes a user token; service tokens are not accepted" } });
  });

  it("a v1 service token (no aud) is refused where an audience is required: 401 TOKEN_INVALID", async () => {
    const res = await request(e, `/api/sync/users/${uniqueUser("sid")}`, await serviceToken("sync:read"));
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ error: { code: "TOKEN_INVALID", retryable: false, message: "token rejected (ERR_JWT_CLAIM_VALIDATION_FAILED)" } });
  });

  it("without JWT_AUDIENCE, a v1 service token without aud is a user token and cannot read", async () => {
    const onlyService: Env = { ...base, SERVICE_AUDIENCE: "nerve-services" };
    const res = await request(onlyService, `/api/sync/users/${uniqueUser("sid")}`, await serviceToken("sync:read"));
    expect(res.status).toBe(403);
    expect(await res.json()).toEqual({ error: { code: "FORBIDDEN", retryable: false, message: "this endpoint takes a service token; user tokens are not accepted" } });
    const user = uniqueUser("sid");
    const me = await request(onlyService, "/api/me", await userToken(user));
    expect(me.status).toBe(200);
  });

  it("dev sign-in mints its service token with the service audience", async () => {
    const dev: Env = { ...base, SERVICE_AUDIENCE: "nerve-services", DEV_SIGN_IN: "1" };
    const signIn = await app.request("http://127.0.0.1:8787/api/dev/sign-in", {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ userId: uniqueUser("sid"), deviceName: "Laptop" }),
    }, dev);
    expect(signIn.status).toBe(200);
    const { serviceToken: minted } = (await signIn.json()) as { serviceToken: string };
    const res = await request(dev, `/api/sync/users/${uniqueUser("sid")}`, minted);
    expect(res.status).toBe(200);
  });
});
