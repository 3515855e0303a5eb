/**
 * The web app's client-side routes (web/src/app.tsx). The Worker answers these paths with the app's
 * index.html (static files are served before the Worker runs); any other path outside /api and /ws
 * is a real 404. test/unit/app-routes.test.ts keeps this list equal to the app's routes.
 */
export const APP_ROUTES = [
  "/", "/sign-in", "/devices", "/shoots", "/shoots/:shootId", "/shoots/:shootId/report",
  "/convergence", "/dreams", "/dreams/:cycleId", "/tester",
] as const;

const PATTERNS = APP_ROUTES.map((route) => (route === "/" ? /^\/$/ : new RegExp(`^${route.replace(/:[A-Za-z]+/g, "[^/]+")}/?$`)));

/** Whether a path is one of the app's pages (a trailing slash is allowed). */
export function isAppRoute(pathname: string): boolean {
  return PATTERNS.some((p) => p.test(pathname));
}
