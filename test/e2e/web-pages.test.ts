import { afterAll, beforeAll, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import { describeBrowser, ensureWebBuilt, launchBrowser, newDevice, shoot, signIn, waitLive } from "./browser.js";
import { http, startNerve, type Nerve } from "./harness.js";

describeBrowser("web app: pages, phone width, dreams, notices", () => {
  let nerve: Nerve;
  let browser: Browser;
  let service: string;

  beforeAll(async () => {
    ensureWebBuilt();
    // A pause between dream steps, so that a cycle's phases can be watched as they stream in.
    nerve = await startNerve({ vars: { DEV_SIGN_IN: "1", DREAM_STEP_DELAY_MS: "600" } });
    browser = await launchBrowser();
    service = await nerve.serviceToken();
  });

  afterAll(async () => {
    await browser?.close();
    await nerve?.stop();
  });

  it("serves the app from the Worker: deep links load the SPA, unknown API paths stay JSON 404", async () => {
    const page = await fetch(`${nerve.url}/shoots/abc/report`);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toMatch(/^text\/html/);
    expect(await page.text()).toContain('<div id="root"></div>');
    const api = await http(nerve.url, "/api/nope");
    expect(api.status).toBe(404);
    expect(api.json).toEqual({ error: { code: "NOT_FOUND", retryable: false, message: "no route for GET /api/nope" } });
  });

  it("signs in, shows devices with a toast when another connects, credits and prompt notices", async () => {
    const user = `pages-${Date.now().toString(36)}`;
    const a = await newDevice(browser);
    await a.page.goto(`${nerve.url}/`);
    await a.page.getByRole("heading", { name: "Sign in to your devices" }).waitFor();
    await shoot(a.page, "sign-in");
    await signIn(a.page, nerve.url, user, "Studio iMac");
    expect(await a.page.getByTestId("device-counts").textContent()).toBe("No other device online");

    const b = await newDevice(browser, { width: 390, height: 844 });
    await signIn(b.page, nerve.url, user, "Ana's iPhone");
    const toast = a.page.getByTestId("toast-device");
    await toast.waitFor({ timeout: 10_000 });
    expect(await toast.textContent()).toContain("Ana's iPhone is online");
    await expect.poll(() => a.page.getByTestId("device-counts").textContent()).toBe("1 other device online");

    await http(nerve.url, "/api/sync/credit-update", { token: service, body: { userId: user, newBalance: 980, change: -20, reason: "Shoot wedding-42" } });
    await a.page.getByTestId("toast-credit").waitFor({ timeout: 10_000 });
    expect(await a.page.getByTestId("toast-credit").textContent()).toContain("−20 credits");
    expect(await a.page.getByTestId("credits-balance").textContent()).toBe("980");
    await http(nerve.url, "/api/sync/prompt-change", { token: service, body: { userId: user, promptId: "p-7", action: "created", title: "Moody film look" } });
    await a.page.getByTestId("toast-prompt").waitFor({ timeout: 10_000 });
    expect(await a.page.getByTestId("prompt-notices").textContent()).toContain("Moody film look");
    await shoot(a.page, "overview");

    // Tooltip on focus: status, latency, quality, attempts, how current the view is.
    await a.page.locator("header .conn-button").focus();
    await a.page.locator('header [role="tooltip"]').waitFor({ state: "visible" });
    expect(await a.page.getByTestId("tip-synced").first().textContent()).toBe("now");
    expect(await a.page.getByTestId("tip-attempts").first().textContent()).toBe("0");
    await shoot(a.page, "indicator-tooltip");

    // The header's variant is picked in the account menu, and kept.
    await a.page.locator("header .menu summary").click();
    await a.page.getByLabel("Connection indicator").selectOption("premium");
    expect(await a.page.locator("header .conn").getAttribute("class")).toMatch(/\bconn-premium\b/);
    await a.page.keyboard.press("Escape");
    expect(await a.page.locator("header .menu").getAttribute("open")).toBeNull();
    await a.page.reload();
    await waitLive(a.page);
    expect(await a.page.locator("header .conn").getAttribute("class")).toMatch(/\bconn-premium\b/);
    expect(await a.page.getByTestId("credits-balance").textContent()).toBe("980");

    // Phone width: the header keeps the indicator with its status word, the pages move to a bottom
    // tab bar; nothing overflows sideways.
    await b.page.getByTestId("credits-balance").waitFor();
    expect(await b.page.getByTestId("connection-label").first().textContent()).toBe("Live");
    expect(await b.page.locator("nav.tabbar").isVisible()).toBe(true);
    expect(await b.page.locator("header nav").isVisible()).toBe(false);
    expect(await b.page.evaluate("document.documentElement.scrollWidth")).toBeLessThanOrEqual(390);
    await shoot(b.page, "phone-overview");
    await b.page.goto(`${nerve.url}/convergence`);
    await waitLive(b.page);
    expect(await b.page.evaluate("document.documentElement.scrollWidth")).toBeLessThanOrEqual(390);
    await shoot(b.page, "phone-convergence");
    expect(a.errors).toEqual([]);
    expect(b.errors).toEqual([]);
    await a.context.close();
    await b.context.close();
  });

  it("starts a dream cycle, shows it on the other device, and renders its report as a page", async () => {
    const user = `dream-${Date.now().toString(36)}`;
    const a = await newDevice(browser);
    const b = await newDevice(browser);
    await signIn(a.page, nerve.url, user, "Laptop", "/convergence");
    await signIn(b.page, nerve.url, user, "Tablet", "/dreams");
    // Something to dream about: a few limbic and posture changes.
    await a.page.getByTestId("slider-valence").locator('input[type="range"]').fill("20");
    await a.page.getByTestId("posture-peer").click();
    await a.page.getByTestId("posture-current").filter({ hasText: "peer" }).waitFor();
    await a.page.goto(`${nerve.url}/dreams`);
    await waitLive(a.page);
    await a.page.getByTestId("dream-start").click();
    // The other device watches the phases stream in.
    const phase = b.page.locator('[data-testid="dream-current"] .phases li[aria-current="step"]');
    await phase.waitFor({ timeout: 20_000 });
    expect(["Decay", "Consolidate", "Patterns", "Processor"]).toContain((await phase.textContent())!.replace(/ \(.*\)$/, ""));
    await shoot(b.page, "dream-running");
    const row = b.page.getByTestId("dream-row").first();
    await row.waitFor({ timeout: 60_000 });
    expect(await row.textContent()).toContain("Completed");
    await row.click();
    await b.page.getByRole("heading", { name: "What happened" }).waitFor();
    expect(await b.page.getByRole("heading", { name: "Insights" }).count()).toBe(1);
    await shoot(b.page, "dream-report");
    await a.page.getByTestId("dream-row").first().waitFor({ timeout: 10_000 });
    await shoot(a.page, "dreams");
    expect(b.errors).toEqual([]);
    await a.context.close();
    await b.context.close();
  });
});

describeBrowser("web app: a deployment without DEV_SIGN_IN", () => {
  let nerve: Nerve;
  let browser: Browser;

  beforeAll(async () => {
    ensureWebBuilt();
    nerve = await startNerve();
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await nerve?.stop();
  });

  it("has no dev sign-in: the API is 404 and the page asks for a token from the host app, which it accepts", async () => {
    expect((await http(nerve.url, "/api/dev/sign-in", { body: { userId: "x", deviceName: "y" } })).status).toBe(404);
    const { page, context, errors } = await newDevice(browser);
    await page.goto(`${nerve.url}/`);
    await page.getByRole("heading", { name: "Open Nerve from your app" }).waitFor();
    expect(await page.getByLabel("User name").count()).toBe(0);
    await shoot(page, "no-dev-sign-in");
    // The host app hands a token in the fragment; it is taken and removed from the address bar.
    const token = await nerve.userToken("hosted-user", "host-webview");
    await page.goto(`${nerve.url}/devices#token=${token}`);
    await waitLive(page);
    expect(page.url()).toBe(`${nerve.url}/devices`);
    expect(await page.locator('[data-testid="device"][data-device="host-webview"]').count()).toBe(1);
    // The app asks whether dev sign-in exists (GET /api/dev answers {enabled: false}): no 404, no error.
    expect(errors).toEqual([]);
    await context.close();
  });
});
