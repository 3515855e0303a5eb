import type { Context } from "hono";
import { refusalPoint, writePoints } from "../common/analytics.js";
import type { Identity } from "../common/auth.js";
import type { Env } from "../common/env.js";

/**
 * An Analytics Engine `refusal` point for an HTTP answer the Worker refused itself (auth, a bad
 * body, an unknown route, a fault). Indexed by who asked: the user or the service when the token
 * was read, else `anonymous`. `route`: the matched pattern, never the path (it may hold ids).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function recordHttpRefusal(c: Context<{ Bindings: Env; Variables: any }>, code: string): void {
  const identity = c.get("identity" as never) as Identity | undefined;
  const who = identity ? (identity.kind === "user" ? identity.userId : `service:${identity.service}`) : "anonymous";
  writePoints(c.env.ANALYTICS, [refusalPoint(who, code, "http", 1, `${c.req.method} ${c.req.routePath}`)]);
}
