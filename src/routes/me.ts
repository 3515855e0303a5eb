import { Hono } from "hono";
import { ErrorCode, EventsQuery, Id, MAX_EVENTS_PAGE, toWireIssues } from "../../protocol/index.js";
import { isHubError } from "../../common/hub-rpc.js";
import type { Env } from "../../common/env.js";
import { apiError } from "../errors.js";
import { requireUser, type AuthVars } from "../middleware/auth.js";
import { hubOf } from "../hub.js";

function userIdOf(identity: AuthVars["identity"]): string {
  if (identity.kind !== "user") throw apiError(ErrorCode.FORBIDDEN, "user token required");
  return identity.userId;
}

/** `/api/me*`: the signed-in user's own state and log, for clients without a socket. */
export const meRoutes = new Hono<{ Bindings: Env; Variables: AuthVars }>()
  .use(requireUser())
  .get("/", async (c) => {
    const userId = userIdOf(c.get("identity"));
    return c.json(await hubOf(c.env, userId).snapshot(userId, c.get("rid")));
  })
  .get("/events", async (c) => {
    const query = EventsQuery.safeParse(c.req.query());
    if (!query.success) throw apiError(ErrorCode.INVALID_BODY, "invalid query", { issues: toWireIssues(query.error.issues) });
    const userId = userIdOf(c.get("identity"));
    const page = await hubOf(c.env, userId).eventsPage(query.data.since ?? 0, query.data.limit ?? MAX_EVENTS_PAGE, query.data.epoch, c.get("rid"));
    return c.json(page);
  })
  // Extension: the user dismisses a finished or stalled shoot of theirs (protocol.md 13.1).
  .delete("/state/:key", async (c) => {
    const identity = c.get("identity");
    const userId = userIdOf(identity);
    const key = c.req.param("key");
    const shootId = Id.safeParse(key.startsWith("shoots.") ? key.slice(7) : undefined);
    if (!shootId.success) {
      throw apiError(ErrorCode.INVALID_BODY, "only a shoot can be dismissed: key must be shoots.<shootId>", { issues: [{ path: "key", message: "not a dismissable state key" }] });
    }
    const from = identity.kind === "user" && identity.deviceId ? identity.deviceId : "app";
    const result = await hubOf(c.env, userId).dismissShoot({ userId, shootId: shootId.data, from, rid: c.get("rid") });
    if (isHubError(result)) throw apiError(result.error.code, result.error.message);
    return c.json({ seq: result.seq, delivered: result.delivered });
  });
