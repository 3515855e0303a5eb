import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { APP_ROUTES, isAppRoute } from "../../src/app-routes.js";

describe("APP_ROUTES", () => {
  it("lists exactly the web app's routes", () => {
    const app = readFileSync(new URL("../../web/src/app.tsx", import.meta.url), "utf8");
    const routes = new Set([
      ...[...app.matchAll(/match\("([^"]+)"/g)].map((m) => m[1]!),
      ...[...app.matchAll(/pathname === "([^"]+)"/g)].map((m) => m[1]!),
    ]);
    expect([...routes].sort()).toEqual([...APP_ROUTES].sort());
  });

  it("matches app pages and nothing else", () => {
    for (const path of ["/", "/devices", "/devices/", "/shoots/abc", "/shoots/a%20b/report", "/dreams/c-1", "/sign-in"]) expect(isAppRoute(path), path).toBe(true);
    for (const path of ["/nope", "/devices/x", "/shoots/a/b", "/shoots/a/report/x", "/api", "/wp-admin", "/index.php", "//"]) expect(isAppRoute(path), path).toBe(false);
  });
});
