import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { app } from "../../src/app.js";
import { verifyToken } from "../../common/auth.js";
import type { Env } from "../../common/env.js";
import { deviceIdOf } from "../../src/routes/dev.js";
import { connect, uniqueUser } from "./helpers.js";

// The worker under test is the deployed entry (`app`), called with an explicit env: the test's
// bindings come from wrangler.toml (which never sets DEV_SIGN_IN) plus a developer's .dev.vars,
// so each case states the one variable it is about instead of inheriting it.
const base = env as unknown as Env;
const withFlag = (value: string | undefined): Env => ({ ...base, DEV_SIGN_IN: value });

// The dev routes answer only a loopback Host, as `npm start` serves them.
const LOCAL = "http://127.0.0.1:8787";

function signIn(e: Env, body: unknown, headers: Record<string, string> = { "Content-Type": "application/json" }, origin = LOCAL) {
  return app.request(`${origin}/api/dev/sign-in`, { method: "POST", headers, body: typeof body === "string" ? body : JSON.stringify(body) }, e);
}

describe("dev sign-in without DEV_SIGN_IN=1 (a deployed worker)", () => {
  for (const value of [undefined, "", "0", "true", "yes", " 1"]) {
    it(`answers 404 NOT_FOUND on every dev route when DEV_SIGN_IN is ${JSON.stringify(value)}`, async () => {
      const e = withFlag(value);
      const post = await signIn(e, { userId: "alice", deviceName: "Laptop" });
      expect(post.status).toBe(404);
      expect(await post.json()).toEqual({ error: { code: "NOT_FOUND", retryable: false, message: "no route for POST /api/dev/sign-in" } });
      // The app's one question, "is dev sign-in on?", gets a plain "no" rather than a 404.
      const get = await app.request("https://nerve.test/api/dev", {}, e);
      expect(get.status).toBe(200);
      expect(await get.json()).toEqual({ enabled: false });
      const other = await app.request("https://nerve.test/api/dev/sign-in", {}, e);
      expect(other.status).toBe(404);
      expect(await other.json()).toEqual({ error: { code: "NOT_FOUND", retryable: false, message: "no route for GET /api/dev/sign-in" } });
    });
  }

  it("refuses before reading the body: a non-JSON or invalid body is still 404, never 415 or 400", async () => {
    const e = withFlag(undefined);
    expect((await signIn(e, "nope", { "Content-Type": "text/plain" })).status).toBe(404);
    expect((await signIn(e, { userId: "" })).status).toBe(404);
  });

  it("does not fall through to the static assets either", async () => {
    const res = await app.request("https://nerve.test/api/dev/anything", {}, withFlag(undefined));
    expect(res.status).toBe(404);
    expect(res.headers.get("Content-Type")).toMatch(/^application\/json/);
  });
});

describe("dev sign-in with DEV_SIGN_IN=1 (npm start's .dev.vars)", () => {
  const on = withFlag("1");

  it("reports that it is enabled", async () => {
    const res = await app.request(`${LOCAL}/api/dev`, {}, on);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ enabled: true, tokenTtlSeconds: 86400 });
  });

  it("mints a user token for the named device and a service token, both verified by the server", async () => {
    const before = Date.now();
    const res = await signIn(on, { userId: "alice", deviceName: "Work Mac" });
    expect(res.status).toBe(200);
    expect(res.headers.get("Cache-Control")).toBe("no-store");
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toEqual({
      userId: "alice", deviceId: "work-mac", deviceName: "Work Mac",
      token: expect.stringMatching(/^ey[\w-]+\.[\w-]+\.[\w-]+$/), testerToken: expect.stringMatching(/^ey[\w-]+\.[\w-]+\.[\w-]+$/), serviceToken: expect.stringMatching(/^ey[\w-]+\.[\w-]+\.[\w-]+$/),
      expiresAt: expect.any(Number),
    });
    expect(body.expiresAt as number).toBeGreaterThanOrEqual(before + 86_400_000 - 1000);
    expect(body.expiresAt as number).toBeLessThanOrEqual(Date.now() + 86_400_000);
    expect(await verifyToken(body.token as string, base)).toEqual({ kind: "user", userId: "alice", deviceId: "work-mac", exp: expect.any(Number) });
    expect(await verifyToken(body.testerToken as string, base)).toEqual({ kind: "user", userId: "alice", deviceId: undefined, exp: expect.any(Number) });
    expect(await verifyToken(body.serviceToken as string, base)).toEqual({ kind: "service", service: "dev-tester", scopes: ["sync:publish", "sync:read"] });
  });

  it("keeps an explicit deviceId", async () => {
    const res = await signIn(on, { userId: "bob", deviceName: "Phone", deviceId: "bob-phone-1" });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ userId: "bob", deviceId: "bob-phone-1", deviceName: "Phone" });
  });

  it("the minted user token opens /ws as that device, and the service token publishes to the user", async () => {
    const user = uniqueUser("dev");
    const minted = (await (await signIn(on, { userId: user, deviceName: "Tester window" })).json()) as { token: string; serviceToken: string };
    const client = await connect({ token: minted.token, name: "Tester window" });
    const [welcome] = await client.catchUp();
    expect(welcome).toMatchObject({ type: "WELCOME", userId: user, deviceId: "tester-window", seq: 0, resumed: false });

    const post = await app.request("https://nerve.test/api/sync/credit-update", {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${minted.serviceToken}` },
      body: JSON.stringify({ userId: user, newBalance: 120, change: 20, reason: "dev top-up" }),
    }, on);
    expect(post.status).toBe(202);
    expect(await post.json()).toEqual({ seq: 1, delivered: 1 });
    expect(await client.next("CREDIT_UPDATE")).toEqual({
      type: "CREDIT_UPDATE", seq: 1, ts: expect.any(Number), from: "dev-tester", data: { newBalance: 120, change: 20, reason: "dev top-up" },
    });
    client.close();
  });

  it("refuses an invalid body with 400 INVALID_BODY and the issues, and a non-JSON body with 415", async () => {
    const bad = await signIn(on, { userId: "no spaces allowed", deviceName: "" });
    expect(bad.status).toBe(400);
    const body = (await bad.json()) as { error: { code: string; issues: { path: string }[] } };
    expect(body.error.code).toBe("INVALID_BODY");
    expect(body.error.issues.map((i) => i.path).sort()).toEqual(["deviceName", "userId"]);
    const extra = await signIn(on, { userId: "alice", deviceName: "x", admin: true });
    expect(extra.status).toBe(400);
    expect((await signIn(on, "userId=alice", { "Content-Type": "application/x-www-form-urlencoded" })).status).toBe(415);
  });

  it("refuses to mint when the server verifies with a JWKS (it has no key to sign with)", async () => {
    const res = await signIn({ ...on, JWT_JWKS_URL: "https://keys.example.com/jwks.json" }, { userId: "alice", deviceName: "Laptop" });
    expect(res.status).toBe(500);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("INTERNAL");
  });
});

describe("dev sign-in with DEV_SIGN_IN=1 on a host that is not loopback", () => {
  const on = withFlag("1");
  const refused = { error: { code: "FORBIDDEN", retryable: false, message: "the dev routes answer only on a loopback host (127.0.0.1, localhost, [::1])" } };

  it("refuses the DNS-rebinding shape (attacker Host and Origin) with 403 FORBIDDEN and mints nothing", async () => {
    const res = await signIn(on, { userId: "alice", deviceName: "Laptop" }, { "Content-Type": "application/json", Origin: "http://evil.example:8787" }, "http://evil.example:8787");
    expect(res.status).toBe(403);
    expect(await res.json()).toEqual(refused);
    const get = await app.request("http://evil.example:8787/api/dev", {}, on);
    expect(get.status).toBe(403);
    expect(await get.json()).toEqual(refused);
  });

  it("refuses a public host even without an Origin, and a loopback Host with a foreign Origin", async () => {
    const deployed = await signIn(on, { userId: "alice", deviceName: "Laptop" }, { "Content-Type": "application/json" }, "https://nerve.example.com");
    expect(deployed.status).toBe(403);
    expect(await deployed.json()).toEqual(refused);
    const crossSite = await signIn(on, { userId: "alice", deviceName: "Laptop" }, { "Content-Type": "application/json", Origin: "https://evil.example" });
    expect(crossSite.status).toBe(403);
    expect(await crossSite.json()).toEqual(refused);
  });

  for (const host of ["http://localhost:8787", "http://[::1]:8787", "http://127.0.0.1:9000"]) {
    it(`answers on the loopback host ${host}, with its own Origin`, async () => {
      const res = await signIn(on, { userId: "alice", deviceName: "Laptop" }, { "Content-Type": "application/json", Origin: host }, host);
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ userId: "alice", deviceId: "laptop" });
    });
  }
});

describe("deviceIdOf", () => {
  it("turns a display name into a valid device id", () => {
    expect(deviceIdOf("Work Mac")).toBe("work-mac");
    expect(deviceIdOf("Ana's iPhone 15")).toBe("ana-s-iphone-15");
    expect(deviceIdOf("  ")).toBe("web");
    expect(deviceIdOf("日本語")).toBe("web");
    expect(deviceIdOf("x".repeat(100))).toHaveLength(64);
  });
});
