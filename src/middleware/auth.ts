import type { MiddlewareHandler } from "hono";
import { ErrorCode, type Scope } from "../../protocol/index.js";
import { AuthError, bearerOf, verifyToken, type Identity } from "../../common/auth.js";
import type { Env } from "../../common/env.js";
import { configOf } from "../config-cache.js";
import { apiError } from "../errors.js";
import type { RequestVars } from "./request-id.js";

/** What a handler behind auth reads: the identity, and the request id (middleware/request-id). */
export type AuthVars = { identity: Identity } & RequestVars;

async function identify(header: string | undefined, env: Env): Promise<Identity> {
  const token = bearerOf(header);
  if (!token) throw apiError(ErrorCode.UNAUTHORIZED, "missing Authorization: Bearer <token>");
  try {
    return await verifyToken(token, env, configOf(env));
  } catch (err) {
    if (err instanceof AuthError && err.code === "MISCONFIGURED") throw apiError(ErrorCode.INTERNAL, err.message, { cause: err });
    throw apiError(ErrorCode.TOKEN_INVALID, err instanceof Error ? err.message : "token rejected", { cause: err });
  }
}

/** Lets only service tokens with `scope` through (user tokens get 403). */
export function requireService(scope: Scope): MiddlewareHandler<{ Bindings: Env; Variables: AuthVars }> {
  return async (c, next) => {
    const identity = await identify(c.req.header("Authorization"), c.env);
    // Set before the checks: a refusal's metrics name who was refused (the handler never runs on one).
    c.set("identity", identity);
    if (identity.kind !== "service") throw apiError(ErrorCode.FORBIDDEN, "this endpoint takes a service token; user tokens are not accepted");
    if (!identity.scopes.includes(scope)) throw apiError(ErrorCode.FORBIDDEN, `the token lacks the ${scope} scope`);
    await next();
  };
}

/** Lets only user tokens through (service tokens get 403). */
export function requireUser(): MiddlewareHandler<{ Bindings: Env; Variables: AuthVars }> {
  return async (c, next) => {
    const identity = await identify(c.req.header("Authorization"), c.env);
    c.set("identity", identity);
    if (identity.kind !== "user") throw apiError(ErrorCode.FORBIDDEN, "this endpoint takes a user token; service tokens are not accepted");
    await next();
  };
}
