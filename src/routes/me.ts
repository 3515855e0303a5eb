import { Hono } from "hono";
import { ErrorCode, EventsQuery, MAX_EVENTS_PAGE, toWireIssues } from "../../protocol/index.js";
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
  });
