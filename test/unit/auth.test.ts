import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { AuthError, bearerOf, verifyToken } from "../../common/auth.js";

const SECRET = "unit-secret-0123456789abcdef0123456789";
const key = new TextEncoder().encode(SECRET);
const now = () => Math.floor(Date.now() / 1000);

function sign(claims: Record<string, unknown>, options: { exp?: number | null; secret?: Uint8Array; sub?: string } = {}) {
  let jwt = new SignJWT(claims).setProtectedHeader({ alg: "HS256" }).setSubject(options.sub ?? "alice").setIssuedAt();
  if (options.exp !== null) jwt = jwt.setExpirationTime(options.exp ?? now() + 600);
  return jwt.sign(options.secret ?? key);
}

async function refusal(p: Promise<unknown>): Promise<AuthError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof AuthError) return err;
    throw err;
  }
  throw new Error("expected the token to be refused");
}

describe("verifyToken", () => {
  it("classifies a user token, with its did", async () => {
    expect(await verifyToken(await sign({ did: "phone" }), { JWT_SECRET: SECRET })).toEqual({ kind: "user", userId: "alice", deviceId: "phone", exp: expect.any(Number) });
  });

  it("classifies a token with a sync scope as a service token", async () => {
    expect(await verifyToken(await sign({ scope: "sync:publish other" }, { sub: "culler" }), { JWT_SECRET: SECRET }))
      .toEqual({ kind: "service", service: "culler", scopes: ["sync:publish"] });
  });

  it("refuses alg none", async () => {
    const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url");
    const unsigned = `${b64({ alg: "none", typ: "JWT" })}.${b64({ sub: "alice", exp: now() + 600 })}.`;
    expect((await refusal(verifyToken(unsigned, { JWT_SECRET: SECRET }))).code).toBe("TOKEN_INVALID");
  });

  it("refuses an expired token, saying so", async () => {
    const err = await refusal(verifyToken(await sign({}, { exp: now() - 10 }), { JWT_SECRET: SECRET }));
    expect(err).toMatchObject({ code: "TOKEN_INVALID", message: "token expired" });
  });

  it("refuses a token without exp", async () => {
    expect((await refusal(verifyToken(await sign({}, { exp: null }), { JWT_SECRET: SECRET }))).code).toBe("TOKEN_INVALID");
  });

  it("refuses a token signed with another secret", async () => {
    const other = new TextEncoder().encode("another-secret-0123456789abcdef0123");
    expect((await refusal(verifyToken(await sign({}, { secret: other }), { JWT_SECRET: SECRET }))).code).toBe("TOKEN_INVALID");
  });

  it("checks aud and iss when configured", async () => {
    const settings = { JWT_SECRET: SECRET, JWT_AUDIENCE: "nerve", JWT_ISSUER: "https://auth.example" };
    expect((await refusal(verifyToken(await sign({ aud: "other", iss: "https://auth.example" }), settings))).code).toBe("TOKEN_INVALID");
    expect((await refusal(verifyToken(await sign({ aud: "nerve", iss: "https://evil.example" }), settings))).code).toBe("TOKEN_INVALID");
    expect((await refusal(verifyToken(await sign({}), settings))).code).toBe("TOKEN_INVALID");
    expect(await verifyToken(await sign({ aud: "nerve", iss: "https://auth.example" }), settings)).toEqual({ kind: "user", userId: "alice", deviceId: undefined, exp: expect.any(Number) });
  });

  it("refuses a userId outside the contract's alphabet", async () => {
    expect((await refusal(verifyToken(await sign({}, { sub: "alice/../bob" }), { JWT_SECRET: SECRET }))).code).toBe("TOKEN_INVALID");
  });

  it("says when no key is configured", async () => {
    expect((await refusal(verifyToken(await sign({}), {}))).code).toBe("MISCONFIGURED");
  });

  describe("with a JWKS", () => {
    let url = "";
    let server: ReturnType<typeof createServer>;
    let privateKey: CryptoKey;

    beforeAll(async () => {
      const pair = await generateKeyPair("ES256");
      privateKey = pair.privateKey as CryptoKey;
      const jwk = { ...(await exportJWK(pair.publicKey)), kid: "k1", alg: "ES256", use: "sig" };
      server = createServer((_req, res) => {
        res.setHeader("content-type", "application/json");
        res.end(JSON.stringify({ keys: [jwk] }));
      });
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`;
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    it("verifies ES256 tokens against the key set and refuses HS256 ones", async () => {
      const es = await new SignJWT({}).setProtectedHeader({ alg: "ES256", kid: "k1" }).setSubject("carol").setExpirationTime(now() + 600).sign(privateKey);
      expect(await verifyToken(es, { JWT_JWKS_URL: url, JWT_SECRET: SECRET })).toEqual({ kind: "user", userId: "carol", deviceId: undefined, exp: expect.any(Number) });
      // With a JWKS configured, an HS256 token signed with the (known) secret must not pass: the algorithm is pinned.
      expect((await refusal(verifyToken(await sign({}), { JWT_JWKS_URL: url, JWT_SECRET: SECRET }))).code).toBe("TOKEN_INVALID");
    });
  });
});

describe("verified-token cache", () => {
  it("answers a token verified before without verifying it again, until its exp, and only for the same settings", async () => {
    const settings = { JWT_SECRET: SECRET };
    const token = await sign({ did: "tablet" }, { exp: now() + 60 });
    expect(await verifyToken(token, settings)).toMatchObject({ kind: "user", deviceId: "tablet" });
    // Other settings (another secret) verify on their own: the earlier result is not theirs.
    expect((await refusal(verifyToken(token, { JWT_SECRET: "another-secret-0123456789abcdef01234" }))).code).toBe("TOKEN_INVALID");
    expect(await verifyToken(token, settings)).toMatchObject({ kind: "user", deviceId: "tablet" });
    vi.useFakeTimers({ now: Date.now() + 61_000 });
    try {
      expect(await refusal(verifyToken(token, settings))).toMatchObject({ code: "TOKEN_INVALID", message: "token expired" });
    } finally {
      vi.useRealTimers();
    }
  });
});

describe("bearerOf", () => {
  it("reads a bearer token and nothing else", () => {
    expect(bearerOf("Bearer abc.def")).toBe("abc.def");
    expect(bearerOf("bearer abc")).toBe("abc");
    expect(bearerOf("Basic abc")).toBeUndefined();
    expect(bearerOf(undefined)).toBeUndefined();
  });
});
