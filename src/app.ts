import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { ErrorCode } from "../protocol/index.js";
import type { Env } from "../common/env.js";
import openapi from "../docs/schema/openapi.json";
import { isAppRoute } from "./app-routes.js";
import { log } from "../common/log.js";
import { ApiError, apiError } from "./errors.js";
import { requestId, type RequestVars } from "./middleware/request-id.js";
import { recordHttpRefusal } from "./refusal-points.js";
import { broadcastRoutes } from "./routes/broadcast.js";
import { devRoutes } from "./routes/dev.js";
import { meRoutes } from "./routes/me.js";
import { syncRoutes } from "./routes/sync.js";
import { wsRoute } from "./routes/ws.js";

/** The Nerve Worker: authenticates every request and routes it to the user's UserHub. */
export const app = new Hono<{ Bindings: Env; Variables: RequestVars }>()
  .use(requestId())
  .route("/ws", wsRoute)
  .route("/api/sync", syncRoutes)
  .route("/api/sync", broadcastRoutes)
  .route("/api/me", meRoutes)
  .route("/api/dev", devRoutes)
  // OpenAPI 3.1 of the HTTP routes: the checked-in file generated from protocol/ (npm run contracts).
  .get("/api/openapi.json", (c) => c.json(openapi))
  .notFound((c) => {
    // Static files never reach the Worker; an app page gets the app's index.html; anything else is a 404.
    if (c.env.ASSETS && (c.req.method === "GET" || c.req.method === "HEAD") && isAppRoute(c.req.path)) {
      return c.env.ASSETS.fetch(new Request(new URL("/", c.req.url), c.req.raw));
    }
    recordHttpRefusal(c, ErrorCode.NOT_FOUND);
    return apiError(ErrorCode.NOT_FOUND, `no route for ${c.req.method} ${c.req.path}`).getResponse();
  })
  .onError((err, c) => {
    if (err instanceof ApiError) {
      if (!err.fromHub) recordHttpRefusal(c, err.code);
      if (err.code === ErrorCode.INTERNAL) log("error", "request failed", { rid: c.get("rid"), method: c.req.method, route: c.req.routePath }, err.cause ?? err);
      return err.getResponse();
    }
    if (err instanceof HTTPException) return err.getResponse();
    // The route pattern, not the path or URL: a query may carry a token.
    log("error", "request failed", { rid: c.get("rid"), method: c.req.method, route: c.req.routePath }, err);
    recordHttpRefusal(c, ErrorCode.INTERNAL);
    return apiError(ErrorCode.INTERNAL, "internal error").getResponse();
  });
