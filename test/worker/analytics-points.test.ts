import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { DataPoint } from "../../common/analytics.js";
import { app } from "../../src/app.js";
import { FrameClient } from "../frame-client.js";
import { serviceToken, uniqueUser, userToken } from "./helpers.js";

/**
 * The Worker's Analytics Engine points. Locally the binding drops every point, so the app runs here
 * with a recording binding in its env (Hono's `app.request`), over the real hub namespace.
 */
function recording() {
  const points: DataPoint[] = [];
  const bindings = { ...env, ANALYTICS: { writeDataPoint: (p: DataPoint) => points.push(p) } } as unknown as typeof env;
  const request = (path: string, init: RequestInit = {}) => app.request(`https://nerve.test${path}`, init, bindings);
  return { points, request };
}

describe("the Worker's Analytics Engine points", () => {
  it("a refusal it makes itself: code, source http and the route pattern, indexed by who asked", async () => {
    const { points, request } = recording();
    const user = uniqueUser("ae");
    expect((await request(`/api/sync/users/${user}/metrics`)).status).toBe(401);
    expect((await request(`/api/sync/users/${user}/metrics`, { headers: { Authorization: `Bearer ${await userToken(user)}` } })).status).toBe(403);
    expect(points).toEqual([
      { indexes: ["anonymous"], blobs: ["refusal", "anonymous", "UNAUTHORIZED", "http", "GET /api/sync/users/:userId/metrics"], doubles: [1] },
      { indexes: [user], blobs: ["refusal", user, "FORBIDDEN", "http", "GET /api/sync/users/:userId/metrics"], doubles: [1] },
    ]);
  });

  it("not a hub's refusal: the hub counts it (once), the Worker only maps it to HTTP", async () => {
    const { points, request } = recording();
    const user = uniqueUser("ae");
    const headers = { Authorization: `Bearer ${await serviceToken()}`, "Content-Type": "application/json", "Idempotency-Key": "k" };
    const body = { userId: user, newBalance: 1, change: 1, reason: "r" };
    expect((await request("/api/sync/credit-update", { method: "POST", headers, body: JSON.stringify(body) })).status).toBe(202);
    expect((await request("/api/sync/credit-update", { method: "POST", headers, body: JSON.stringify({ ...body, change: 2 }) })).status).toBe(422);
    expect(points).toEqual([]);
  });

  it("a /ws upgrade: its hand-over time and catch-up size, and the hub's catch-up header stays inside", async () => {
    const { points, request } = recording();
    const user = uniqueUser("ae");
    const res = await request(`/ws?token=${await userToken(user)}&device=d`, { headers: { Upgrade: "websocket" } });
    expect(res.status).toBe(101);
    expect(res.headers.get("x-nerve-catch-up")).toBeNull();
    const ws = res.webSocket!;
    ws.accept();
    const client = new FrameClient(ws);
    const frames = await client.catchUp();
    ws.close(1000, "done");
    const sent = frames.reduce((n, f) => n + new TextEncoder().encode(JSON.stringify(f)).byteLength, 0);
    expect(points).toHaveLength(1);
    expect(points[0]).toMatchObject({ indexes: [user], blobs: ["connect", user, "accepted", "full"] });
    const [ms, events, bytes] = points[0]!.doubles;
    expect(ms).toBeGreaterThanOrEqual(0);
    expect([events, bytes]).toEqual([0, sent]);

    const refused = await request("/ws", { headers: { Upgrade: "websocket" } });
    refused.webSocket?.accept();
    expect(points[1]).toEqual({ indexes: ["anonymous"], blobs: ["connect", "anonymous", "4001", "full"], doubles: [0, 0, 0] });
  });
});
