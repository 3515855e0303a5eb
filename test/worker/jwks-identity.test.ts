import { env } from "cloudflare:test";
import { importJWK, SignJWT, type JWK } from "jose";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { app } from "../../src/app.js";
import type { Env } from "../../common/env.js";
import { api, connect, serviceToken, uniqueUser } from "./helpers.js";

// Runs in the "worker-jwks" project: JWT_JWKS_URL points at a local identity provider's key set
// (test/worker/jwks.setup.ts, RS256 "rs-1" and ES256 "es-1"), JWT_ISSUER is https://idp.test/,
// JWT_AUDIENCE is nerve-app, and SERVICE_AUDIENCE is unset: the default of a JWKS deployment.
const ISSUER = "https://idp.test/";
const base = env as unknown as Env;
const keys: Record<"rs" | "es", { key: CryptoKey; jwk: JWK }> = {} as never;

beforeAll(async () => {
  const provided = inject("jwksKeys");
  for (const k of ["rs", "es"] as const) keys[k] = { key: (await importJWK(provided[k])) as CryptoKey, jwk: provided[k] };
});

/** A token as the identity provider issues it: its key, its issuer, for the app's audience by default. */
function idpToken(which: "rs" | "es", sub: unknown, claims: Record<string, unknown> = {}, ttl = 600): Promise<string> {
  const { key, jwk } = keys[which];
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ sub: sub as string, iss: ISSUER, aud: "nerve-app", ...claims })
    .setProtectedHeader({ alg: jwk.alg!, kid: jwk.kid }).setIssuedAt(now).setExpirationTime(now + ttl).sign(key);
}

function request(e: Env, path: string, token: string) {
  return app.request(`https://nerve.test${path}`, { headers: { Authorization: `Bearer ${token}` } }, e);
}

const SERVICE_ONLY = { error: { code: "FORBIDDEN", retryable: false, message: "this endpoint takes a service token; user tokens are not accepted" } };

describe("JWKS mode without SERVICE_AUDIENCE: the identity provider issues user tokens only", () => {
  for (const which of ["rs", "es"] as const) {
    it(`a ${which === "rs" ? "RS256" : "ES256"} user token opens /ws and reads /api/me`, async () => {
      const user = uniqueUser(which);
      const token = await idpToken(which, user, { did: "phone" });
      const me = await api("/api/me", { token });
      expect(me.status).toBe(200);
      expect(me.json).toMatchObject({ userId: user, seq: 0 });
      const client = await connect({ token });
      const [welcome] = await client.catchUp();
      expect(welcome).toMatchObject({ type: "WELCOME", userId: user, deviceId: "phone" });
      client.close();
    });

    it(`a ${which === "rs" ? "RS256" : "ES256"} token with scope "openid sync:read" cannot read another user's state: 403`, async () => {
      const victim = uniqueUser("victim");
      const read = await api(`/api/sync/users/${victim}`, { token: await idpToken(which, uniqueUser("attacker"), { scope: "openid sync:read sync:publish" }) });
      expect(read.status).toBe(403);
      expect(read.json).toEqual(SERVICE_ONLY);
    });
  }

  it("an HS256 token signed with JWT_SECRET is refused: the algorithms are pinned to the key set", async () => {
    const res = await api(`/api/sync/users/${uniqueUser("hs")}`, { token: await serviceToken("sync:read") });
    expect(res.status).toBe(401);
    expect(res.json).toEqual({ error: { code: "TOKEN_INVALID", retryable: false, message: "token rejected (ERR_JOSE_ALG_NOT_ALLOWED)" } });
  });

  it("a token lived longer than MAX_TOKEN_TTL_SECONDS is refused in JWKS mode too", async () => {
    const client = await connect({ token: await idpToken("es", uniqueUser("ttl"), {}, 30 * 86400) });
    expect(await client.waitClosed()).toEqual({ code: 4002, reason: "token lifetime 2592000 s is longer than MAX_TOKEN_TTL_SECONDS (604800)" });
  });
});

describe("JWKS mode with SERVICE_AUDIENCE=nerve-services", () => {
  const e: Env = { ...base, SERVICE_AUDIENCE: "nerve-services" };

  for (const which of ["rs", "es"] as const) {
    it(`a ${which === "rs" ? "RS256" : "ES256"} client-credentials token for the service audience reads a user's state`, async () => {
      const res = await request(e, `/api/sync/users/${uniqueUser("svc")}`, await idpToken(which, "culler@clients", { aud: "nerve-services", scope: "sync:read" }));
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ seq: 0, state: {}, devices: [] });
    });
  }

  it("a user token with scope openid sync:read stays a user token: 403 on another user, 200 on its own /api/me", async () => {
    const user = uniqueUser("idp");
    const token = await idpToken("rs", user, { scope: "openid sync:read" });
    const other = await request(e, `/api/sync/users/${uniqueUser("victim")}`, token);
    expect(other.status).toBe(403);
    expect(await other.json()).toEqual(SERVICE_ONLY);
    const own = await request(e, "/api/me", token);
    expect(own.status).toBe(200);
    expect(await own.json()).toMatchObject({ userId: user });
  });

  it("a service token without sync:read is refused the read with 403, and cannot open /ws", async () => {
    const token = await idpToken("es", "reporter", { aud: "nerve-services", scope: "sync:publish" });
    const res = await request(e, `/api/sync/users/${uniqueUser("svc")}`, token);
    expect(res.status).toBe(403);
    expect(await res.json()).toEqual({ error: { code: "FORBIDDEN", retryable: false, message: "the token lacks the sync:read scope" } });
    const ws = await app.request(`https://nerve.test/ws?token=${token}`, { headers: { Upgrade: "websocket" } }, e);
    const socket = ws.webSocket!;
    const closed = new Promise<{ code: number; reason: string }>((resolve) => socket.addEventListener("close", (ev) => resolve({ code: ev.code, reason: ev.reason })));
    socket.accept();
    expect(await closed).toEqual({ code: 4002, reason: "service tokens cannot open /ws" });
  });

  it("a service-audience token from another issuer is refused: 401", async () => {
    const res = await request(e, `/api/sync/users/${uniqueUser("svc")}`, await idpToken("rs", "culler", { aud: "nerve-services", scope: "sync:read", iss: "https://evil.test/" }));
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ error: { code: "TOKEN_INVALID", retryable: false, message: "token rejected (ERR_JWT_CLAIM_VALIDATION_FAILED)" } });
  });

  for (const sub of [12345, {}, ["x"], true]) {
    it(`a service token with sub ${JSON.stringify(sub)} is refused: 401`, async () => {
      const res = await request(e, `/api/sync/users/${uniqueUser("svc")}`, await idpToken("es", sub, { aud: "nerve-services", scope: "sync:read" }));
      expect(res.status).toBe(401);
      expect(await res.json()).toEqual({ error: { code: "TOKEN_INVALID", retryable: false, message: "service token sub must be 1-128 characters of [A-Za-z0-9._:@-]" } });
    });
  }
});
