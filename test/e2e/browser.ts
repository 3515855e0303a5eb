/**
 * Browser tests' helper: Debian's Chromium driven by playwright-core (never a downloaded browser),
 * the built web app, and a dev-sign-in helper. Without /usr/bin/chromium the browser suites skip
 * and say why.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, describe } from "vitest";
import { REPO_ROOT, startNerve, type Nerve } from "./harness.js";

export const CHROMIUM_PATH = process.env.NERVE_CHROMIUM ?? "/usr/bin/chromium";
export const HAS_CHROMIUM = existsSync(CHROMIUM_PATH);
export const SCREENSHOTS = join(REPO_ROOT, "screenshots");

const FLAGS = [
  "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
  "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
];

/**
 * A browser suite's runtime and Chromium: before its tests the web app is built, Nerve started with
 * `vars` and Chromium launched; after them both stop. Read `app.nerve` and `app.browser` in tests.
 */
export function webAppSuite(vars: Record<string, string> = {}): { nerve: Nerve; browser: Browser } {
  const app = {} as { nerve: Nerve; browser: Browser };
  beforeAll(async () => {
    ensureWebBuilt();
    app.nerve = await startNerve({ vars });
    app.browser = await launchBrowser();
  });
  afterAll(async () => {
    await app.browser?.close();
    await app.nerve?.stop();
  });
  return app;
}

/**
 * `describe`, or `describe.skip` with a plain message when this machine has no Chromium.
 * `concurrent`: its tests run side by side (up to the e2e project's maxConcurrency), for suites
 * whose tests mostly wait on timers and the browser and share nothing but the servers.
 */
export function describeBrowser(name: string, fn: () => void, options: { concurrent?: boolean } = {}): void {
  if (HAS_CHROMIUM) {
    (options.concurrent ? describe.concurrent : describe)(name, fn);
    return;
  }
  console.warn(`SKIPPED browser tests "${name}": no Chromium at ${CHROMIUM_PATH}. Install Debian's package (apt-get install -y chromium) to run them; .ci/run does.`);
  describe.skip(name, fn);
}

/** Builds web/dist when it is missing (npm test builds it first; a single-file run may not have). */
export function ensureWebBuilt(): void {
  if (existsSync(join(REPO_ROOT, "web/dist/index.html"))) return;
  const bin = join(REPO_ROOT, "node_modules/.bin");
  const res = spawnSync(join(bin, "vite"), ["build", "--config", "web/vite.config.ts", "--logLevel", "warn"], {
    cwd: REPO_ROOT, env: { ...process.env, PATH: `${bin}:${process.env.PATH ?? ""}` }, encoding: "utf8",
  });
  if (res.status !== 0) throw new Error(`web build failed:\n${res.stdout}\n${res.stderr}`);
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: FLAGS, timeout: 30_000 });
}

/** A new context (its own storage: one device) with console errors collected for failure messages. */
export async function newDevice(browser: Browser, options: { width?: number; height?: number } = {}): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  const context = await browser.newContext({ viewport: { width: options.width ?? 1280, height: options.height ?? 860 }, deviceScaleFactor: 1 });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(`pageerror: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(`console: ${m.text()}`);
  });
  return { context, page, errors };
}

/** Signs in through the dev sign-in page and waits until the app is live (connected and synced). */
export async function signIn(page: Page, baseUrl: string, userId: string, deviceName: string, path = "/"): Promise<void> {
  await page.goto(`${baseUrl}${path}`);
  await page.getByLabel("User name").fill(userId);
  await page.getByLabel("Device name").fill(deviceName);
  await page.getByRole("button", { name: "Sign in" }).click();
  await waitLive(page);
}

/** Waits until the header indicator says the mirror is live. */
export async function waitLive(page: Page, timeout = 20_000): Promise<void> {
  await page.locator('header [data-testid="connection-indicator"][data-status="connected"][data-synced="true"]').waitFor({ timeout });
}

/** Saves a full-page screenshot to screenshots/<name>.png (git-ignored) and returns its path. */
export async function shoot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const path = join(SCREENSHOTS, `${name}.png`);
  // The header is sticky: from the top, a full-page capture shows it once, where it belongs.
  await page.evaluate("window.scrollTo(0, 0)");
  await page.screenshot({ path, fullPage: true });
  return path;
}
