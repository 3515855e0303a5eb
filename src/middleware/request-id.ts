import type { MiddlewareHandler } from "hono";
import { requestIdOf } from "../../common/log.js";

export type RequestVars = { rid: string };

/** The response header that names the request id, for a client's bug report. */
export const REQUEST_ID_HEADER = "X-Request-Id";

/**
 * Gives every request an id (`cf-ray`, else a fresh one) as `c.var.rid`: the Worker's log lines
 * carry it, and it goes to the hub with the RPC or the connect header, so the hub's lines carry it
 * too. Answers name it in `X-Request-Id` (not the 101 of a socket, whose headers are the hub's).
 */
export function requestId(): MiddlewareHandler<{ Variables: RequestVars }> {
  return async (c, next) => {
    const rid = requestIdOf(c.req.raw.headers);
    c.set("rid", rid);
    await next();
    if (c.res.status === 101) return;
    try {
      c.res.headers.set(REQUEST_ID_HEADER, rid);
    } catch {
      // Headers of a fetched answer (a static asset, the hub's) are immutable: answer a copy.
      c.res = new Response(c.res.body, c.res);
      c.res.headers.set(REQUEST_ID_HEADER, rid);
    }
  };
}
