/**
 * Paths outside /api, /ws, the static files and the app's routes are a real 404 (not the app's
 * index.html); the app's routes still load the app directly (deep links).
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { ensureWebBuilt } from "./browser.js";
import { startNerve, type Nerve } from "./harness.js";

let nerve: Nerve;

beforeAll(async () => {
  ensureWebBuilt();
  nerve = await startNerve();
}, 120_000);

afterAll(async () => {
  await nerve?.stop();
});

describe("unknown paths", () => {
  test("app routes and static files load; everything else is 404", async () => {
    for (const path of ["/", "/devices", "/shoots/abc", "/shoots/abc/report", "/dreams/c1", "/sign-in", "/tester"]) {
      const res = await fetch(`${nerve.url}${path}`);
      expect(res.status, path).toBe(200);
      expect(await res.text(), path).toContain('<div id="root"></div>');
    }
    expect((await fetch(`${nerve.url}/favicon.svg`)).headers.get("content-type")).toContain("image/svg+xml");
    for (const path of ["/nope", "/devices/x", "/shoots/a/b/c", "/assets/missing.js", "/wp-login.php", "/api/nope"]) {
      const res = await fetch(`${nerve.url}${path}`);
      expect(res.status, path).toBe(404);
      expect(await res.json(), path).toEqual({ error: { code: "NOT_FOUND", retryable: false, message: `no route for GET ${path}` } });
    }
    expect((await fetch(`${nerve.url}/devices`, { method: "POST" })).status).toBe(404);
  }, 30_000);
});
