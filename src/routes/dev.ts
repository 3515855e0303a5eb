import { Hono, type MiddlewareHandler } from "hono";
import { SignJWT } from "jose";
import * as z from "zod/mini";
import { DeviceName, ErrorCode, Id, SCOPES } from "../../protocol/index.js";
import type { Env } from "../../common/env.js";
import { configOf } from "../config-cache.js";
import { apiError } from "../errors.js";
import { jsonBody } from "../middleware/json-body.js";

/** `POST /api/dev/sign-in` body: who to be, on which device. */
export const DevSignInBody = z.strictObject({
  userId: Id,
  deviceName: DeviceName,
  /** Optional stable device id; derived from the name when absent. */
  deviceId: z.optional(Id),
});
export type DevSignInBody = z.infer<typeof DevSignInBody>;

/** `POST /api/dev/sign-in` answer. */
export interface DevSignInResult {
  userId: string;
  deviceId: string;
  deviceName: string;
  /** A user token (`sub` = userId, `did` = deviceId) for `/ws` and `/api/me`. */
  token: string;
  /** A user token without `did`, for the tester: its connection's `device=` names the device. */
  testerToken: string;
  /** A service token with `sync:publish sync:read`, for the tester's service form. */
  serviceToken: string;
  /** ms since epoch when both tokens expire. */
  expiresAt: number;
}

type DevEnv = { Bindings: Env; Variables: Record<string, never> };

const TOKEN_TTL_S = 24 * 60 * 60;
const SERVICE_NAME = "dev-tester";

/**
 * A device id from a display name: "Ana's iPhone" -> "ana-s-iphone". Always a valid `Id`.
 * @example deviceIdOf("Work Mac") // "work-mac"
 */
export function deviceIdOf(name: string): string {
  const slug = name.toLowerCase().replace(/[^a-z0-9._:@-]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 64);
  return slug || "web";
}

/** True only when the deployment opted in with `DEV_SIGN_IN=1` (as `.dev.vars` does locally). */
export function devSignInEnabled(env: Pick<Env, "DEV_SIGN_IN">): boolean {
  return env.DEV_SIGN_IN === "1";
}

const LOOPBACK_HOSTS = new Set(["127.0.0.1", "localhost", "[::1]"]);

/**
 * True for a loopback hostname (`127.0.0.1`, `localhost`, `[::1]`), as `URL.hostname` spells it.
 * @example isLoopbackHost("localhost") // true
 */
export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname.toLowerCase());
}

function isLoopbackOrigin(origin: string): boolean {
  try {
    return isLoopbackHost(new URL(origin).hostname);
  } catch {
    return false;
  }
}

/**
 * Without DEV_SIGN_IN=1 the dev routes answer exactly like a route that does not exist, except
 * `GET /api/dev`, which says `{enabled: false}`. With it,
 * they still answer only a loopback Host (and a loopback Origin, if any): a page on an attacker's
 * domain that rebinds its DNS name to 127.0.0.1 reaches the local server with its own Host and
 * Origin, and must not be handed tokens.
 */
const onlyWhenEnabled = (): MiddlewareHandler<DevEnv> => async (c, next) => {
  if (!devSignInEnabled(c.env)) {
    // The app asks `GET /api/dev` on every load to pick its sign-in screen: a deployment answers
    // that one question ("no") instead of a 404 in every user's console. Nothing else exists.
    if (c.req.method === "GET" && /^\/api\/dev\/?$/.test(c.req.path)) return c.json({ enabled: false }, 200, { "Cache-Control": "no-store" });
    throw apiError(ErrorCode.NOT_FOUND, `no route for ${c.req.method} ${c.req.path}`);
  }
  const origin = c.req.header("Origin");
  if (!isLoopbackHost(new URL(c.req.url).hostname) || (origin !== undefined && !isLoopbackOrigin(origin))) {
    throw apiError(ErrorCode.FORBIDDEN, "the dev routes answer only on a loopback host (127.0.0.1, localhost, [::1])");
  }
  await next();
};

async function sign(env: Env, subject: string, claims: Record<string, unknown>, expiresAt: number, audience = env.JWT_AUDIENCE): Promise<string> {
  let jwt = new SignJWT(claims).setProtectedHeader({ alg: "HS256", typ: "JWT" }).setSubject(subject)
    .setIssuedAt().setExpirationTime(Math.floor(expiresAt / 1000));
  if (env.JWT_ISSUER) jwt = jwt.setIssuer(env.JWT_ISSUER);
  if (audience) jwt = jwt.setAudience(audience);
  return jwt.sign(new TextEncoder().encode(env.JWT_SECRET));
}

/**
 * `/api/dev/*`: local development sign-in. Mints tokens with the local JWT_SECRET so a newcomer can
 * open the web app in two windows as two devices of one user. Exists only with `DEV_SIGN_IN=1`.
 */
export const devRoutes = new Hono<DevEnv>()
  .use(onlyWhenEnabled())
  .get("/", (c) => c.json({ enabled: true, tokenTtlSeconds: TOKEN_TTL_S }))
  .post("/sign-in", jsonBody(DevSignInBody), async (c) => {
    const body = c.req.valid("json");
    if (!c.env.JWT_SECRET || c.env.JWT_JWKS_URL) {
      throw apiError(ErrorCode.INTERNAL, "dev sign-in needs JWT_SECRET (and no JWT_JWKS_URL): tokens are signed with it");
    }
    const deviceId = body.deviceId ?? deviceIdOf(body.deviceName);
    const expiresAt = Date.now() + TOKEN_TTL_S * 1000;
    const result: DevSignInResult = {
      userId: body.userId,
      deviceId,
      deviceName: body.deviceName,
      token: await sign(c.env, body.userId, { did: deviceId }, expiresAt),
      testerToken: await sign(c.env, body.userId, {}, expiresAt),
      serviceToken: await sign(c.env, SERVICE_NAME, { scope: `${SCOPES.PUBLISH} ${SCOPES.READ}` }, expiresAt, configOf(c.env).serviceAudience ?? c.env.JWT_AUDIENCE),
      expiresAt,
    };
    return c.json(result, 200, { "Cache-Control": "no-store" });
  });
