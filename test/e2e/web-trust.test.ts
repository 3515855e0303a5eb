/**
 * The web app's trust features in real Chromium, two browser contexts as two devices of one user,
 * at desktop (1440x900) and phone (390x844) sizes: the offline conflict, the digest after a reload,
 * a stalled shoot, a dream cycle's visible steps, the session-ended screen with the host-app token
 * request, and presence after a network loss. Every screen is checked with axe-core (WCAG 2 A/AA,
 * contrast included) and saved to screenshots/trust-*.png.
 *
 * The tests run concurrently (they share only the two servers and Chromium, each with users and
 * browser contexts of its own, and most of their time is spent waiting: for a token to expire, a
 * heartbeat to be missed, a dream step's minimum time on screen). Each flow is registered at both
 * widths, the longest-waiting flows first, so that they start first.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { SignJWT } from "jose";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, it, type ExpectStatic } from "vitest";
import { SHOOT_STALLED_AFTER_MS } from "../../protocol/index.js";
import { describeBrowser, ensureWebBuilt, launchBrowser, newDevice, shoot, signIn, waitLive } from "./browser.js";
import { http, openSocket, startNerve, type Nerve } from "./harness.js";
import { Proxy } from "./tcp-proxy.js";
import { axeViolations } from "./web-axe.js";

const user = (label: string) => `${label}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
const VIEWPORTS = [
  { name: "desktop", width: 1440, height: 900 },
  { name: "phone", width: 390, height: 844 },
] as const;
/** A short heartbeat, so that a lost network shows within seconds (the app's thresholds follow it). */
const HEARTBEAT_MS = 5000;

/** The network errors the tests cause on purpose: the offline switch, and the proxy's partition and cut. */
const NETWORK_LOSS = "(ERR_INTERNET_DISCONNECTED|ERR_CONNECTION_(REFUSED|RESET|CLOSED)|ERR_NETWORK_CHANGED)";

/**
 * Console errors of the app itself. Chromium logs every WebSocket attempt that fails while the test
 * holds the context offline or cuts the proxy, and any HTTP request of the app in flight then
 * ("Failed to load resource: net::ERR_INTERNET_DISCONNECTED", and "...ERR_CONNECTION_RESET" for a
 * presence poll the proxy's cut reset; both seen on a loaded machine): those are the browser
 * reporting the emulated network loss, not faults of the page.
 */
const appErrors = (errors: string[]) => errors.filter((e) => !new RegExp(`WebSocket connection to .* failed: .*${NETWORK_LOSS}`).test(e)
  && !new RegExp(`^console: Failed to load resource: net::${NETWORK_LOSS}$`).test(e));

/** `expect` is the test's own: the tests of this file run concurrently. */
async function expectAccessible(expect: ExpectStatic, page: Page, where: string): Promise<void> {
  expect(await axeViolations(page), `axe violations on ${where}`).toEqual([]);
}

/** Records every value `data-stage` of the dream card takes, with when (ms), from now on. */
async function recordStages(page: Page): Promise<void> {
  await page.evaluate(`(() => {
    window.__stages = [];
    const read = () => {
      const el = document.querySelector('[data-testid="dream-stage"]');
      const stage = el ? el.getAttribute("data-stage") : null;
      const last = window.__stages[window.__stages.length - 1];
      if (!last || last.stage !== stage) window.__stages.push({ stage, t: performance.now() });
    };
    new MutationObserver(read).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ["data-stage"] });
    read();
  })()`);
}

describeBrowser("web app trust: conflicts, digest, presence, dreams, stalled shoots, session end (two devices, two widths)", () => {
  let nerve: Nerve;
  let prod: Nerve;
  let browser: Browser;
  let service: string;

  beforeAll(async () => {
    ensureWebBuilt();
    [nerve, prod] = await Promise.all([
      startNerve({ vars: { DEV_SIGN_IN: "1", HEARTBEAT_MS: String(HEARTBEAT_MS) } }),
      startNerve({ vars: {} }),
    ]);
    browser = await launchBrowser();
    service = await nerve.serviceToken();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await Promise.all([nerve?.stop(), prod?.stop()]);
  });

  for (const vp of VIEWPORTS) {
    const size = { width: vp.width, height: vp.height };

    it(`${vp.name}: production: no developer text or tools, and an expired session asks the host app for a new token`, async ({ expect }) => {
      const alice = user("host");
      const key = new TextEncoder().encode(prod.secret);
      const token = (ttlS: number) => new SignJWT({ did: "ipad-studio" }).setProtectedHeader({ alg: "HS256", typ: "JWT" }).setSubject(alice)
        .setIssuedAt().setExpirationTime(Math.floor(Date.now() / 1000) + ttlS).sign(key);

      // Opened directly, with no token: a plain explanation, no `#token=` or postMessage talk, no 404 in the console.
      const lone = await newDevice(browser, size);
      await lone.page.goto(`${prod.url}/`);
      await lone.page.getByTestId("open-from-app").waitFor();
      const text = (await lone.page.locator("body").textContent()) ?? "";
      expect(text).not.toMatch(/#token|postMessage|DEV_SIGN_IN/);
      await shoot(lone.page, `trust-open-from-app-${vp.name}`);
      await expectAccessible(expect, lone.page, `open from app (${vp.name})`);
      expect(lone.errors).toEqual([]);
      await lone.context.close();

      // Embedded in a host app that answers token requests.
      const host = await newDevice(browser, size);
      // A token that ends in 20 s: the app asks the host for a new one ahead ("expiring"); this host does not answer those.
      const first = await token(20);
      const expiresAt = Date.now() + 20_000;
      // The host app on an origin of its own (a local server of this test), embedding Nerve in an iframe.
      const hostServer = createServer((_req, res) => res.writeHead(200, { "Content-Type": "text/html" }).end(hostPage));
      await new Promise<void>((r) => hostServer.listen(0, "127.0.0.1", r));
      const hostUrl = `http://127.0.0.1:${(hostServer.address() as AddressInfo).port}/`;
      const hostPage = `<!doctype html><html lang="en"><head><title>Host app</title></head><body style="margin:0;background:#000">
        <iframe id="app" title="Nerve" src="${prod.url}/#token=${first}" style="border:0;width:100vw;height:100vh;display:block"></iframe>
        <script>
          window.__requests = [];
          window.addEventListener("message", (e) => {
            if (!e.data || e.data.type !== "nerve:token-request") return;
            window.__requests.push(e.data);
            if (window.__fresh && e.data.reason !== "expiring") document.getElementById("app").contentWindow.postMessage({ type: "nerve:token", token: window.__fresh }, "*");
          });
        </script></body></html>`;
      await host.page.goto(hostUrl);
      await expect.poll(() => host.page.frames().some((f) => f.url().startsWith(prod.url)), { timeout: 10_000 }).toBe(true);
      const frame = host.page.frames().find((f) => f.url().startsWith(prod.url))!;
      await frame.locator('header [data-testid="connection-indicator"][data-status="connected"][data-synced="true"]').waitFor({ timeout: 20_000 });
      const nav = (await frame.locator("nav").first().textContent()) ?? "";
      expect(nav).not.toContain("Tester");
      expect(await frame.getByText("This device's connection").count()).toBe(0);
      await expectAccessible(expect, frame as unknown as Page, `embedded overview (${vp.name})`);

      // The token runs out; the next connection is refused: a real "session ended" screen, not the sign-in page.
      await host.page.waitForTimeout(Math.max(0, expiresAt - Date.now() + 1500));
      // The app reconnects when the browser says the network changed (as a phone waking up does);
      // Playwright's offline emulation does not reach an out-of-process iframe, so the frame is told.
      await frame.evaluate("window.dispatchEvent(new Event('offline')); window.dispatchEvent(new Event('online'))");
      await frame.getByTestId("session-ended").waitFor({ timeout: 20_000 });
      expect(await frame.getByTestId("session-ended").getAttribute("data-reason")).toBe("expired");
      await shoot(host.page, `trust-session-ended-${vp.name}`);
      await expectAccessible(expect, frame as unknown as Page, `session ended (${vp.name})`);

      await host.page.evaluate(`window.__fresh = ${JSON.stringify(await token(600))}`);
      await frame.getByTestId("session-continue").click();
      await frame.locator('header [data-testid="connection-indicator"][data-status="connected"][data-synced="true"]').waitFor({ timeout: 20_000 });
      const requests = (await host.page.evaluate("window.__requests")) as { type: string; reason: string }[];
      expect(requests.filter((r) => r.reason !== "expiring")).toEqual([{ type: "nerve:token-request", reason: "expired" }]);
      expect(requests.some((r) => r.reason === "expiring")).toBe(true);
      // No 404 for the dev probe, nor any other console error.
      expect(appErrors(host.errors)).toEqual([]);
      await host.context.close();
      await new Promise((r) => hostServer.close(r));
    });
  }

  for (const vp of VIEWPORTS) {
    const size = { width: vp.width, height: vp.height };

    it(`${vp.name}: presence after a network loss: "last heard N s ago", then offline, then online again`, async ({ expect }) => {
      const alice = user("presence");
      const proxy = new Proxy(nerve.port);
      await proxy.start();
      const a = await newDevice(browser, size);
      const b = await newDevice(browser, size);
      try {
        await signIn(a.page, nerve.url, alice, "Studio iMac", "/devices");
        await signIn(b.page, `http://127.0.0.1:${proxy.port}`, alice, "Pixel phone", "/devices");
        const phoneRow = a.page.locator('[data-testid="device"]').filter({ hasText: "Pixel phone" });
        await expect.poll(() => phoneRow.getAttribute("data-presence"), { timeout: 10_000 }).toBe("online");
        expect(await a.page.locator('[data-testid="device"][data-presence="you"]').textContent()).toContain("Studio iMac");
        await shoot(a.page, `trust-presence-online-${vp.name}`);
        await expectAccessible(expect, a.page, `devices (${vp.name})`);

        // The phone's network goes: nothing reaches the server, no close frame either.
        proxy.partition = true;
        await b.context.setOffline(true);
        await expect.poll(() => phoneRow.getAttribute("data-presence"), { timeout: 20_000, interval: 200 }).toBe("stale");
        expect(await phoneRow.getByTestId("presence-badge").textContent()).toMatch(/Last heard \d+ s ago/);
        await shoot(a.page, `trust-presence-stale-${vp.name}`);
        await expect.poll(() => phoneRow.getAttribute("data-presence"), { timeout: 30_000 }).toBe("offline");
        await shoot(a.page, `trust-presence-offline-${vp.name}`);
        expect(await b.page.getByTestId("link-banner").textContent()).toContain("You're offline");
        await shoot(b.page, `trust-presence-phone-offline-${vp.name}`);
        await expectAccessible(expect, b.page, `phone offline (${vp.name})`);

        proxy.partition = false;
        proxy.cut();
        await b.context.setOffline(false);
        await waitLive(b.page, 30_000);
        await expect.poll(() => phoneRow.getAttribute("data-presence"), { timeout: 15_000 }).toBe("online");
        expect(await b.page.getByTestId("connection-announcer").textContent()).toMatch(/Back online|Up to date/);
        expect(appErrors([...a.errors, ...b.errors])).toEqual([]);
      } finally {
        await a.context.close();
        await b.context.close();
        await proxy.stop();
      }
    });
  }

  for (const vp of VIEWPORTS) {
    const size = { width: vp.width, height: vp.height };

    it(`${vp.name}: a dream cycle shows each step for a moment on both devices, then a report with sane figures and who started it`, async ({ expect }) => {
      const alice = user("dream");
      const a = await newDevice(browser, size);
      const b = await newDevice(browser, size);
      await signIn(a.page, nerve.url, alice, "Studio iMac", "/convergence");
      // Some history for the dream to read: two quick trust changes, each in the hub's log before the next.
      for (const [key, trust] of [["End", 1], ["Home", 0]] as const) {
        await a.page.getByTestId("slider-trust").locator("input").focus();
        await a.page.keyboard.press(key);
        await expect.poll(async () => (await http(nerve.url, `/api/sync/users/${alice}`, { token: service })).json.state.limbic?.trust, { timeout: 10_000 }).toBe(trust);
      }
      await a.page.getByRole("link", { name: "Dreams" }).first().click();
      await signIn(b.page, nerve.url, alice, "Pixel phone", "/dreams");
      await recordStages(a.page);
      await recordStages(b.page);
      await a.page.getByTestId("dream-start").click();
      await b.page.locator('[data-testid="dream-stage"][data-stage="decay"]').waitFor({ timeout: 15_000 });
      await shoot(b.page, `trust-dream-phase-${vp.name}`);
      await expectAccessible(expect, b.page, `dream running (${vp.name})`);
      for (const d of [a, b]) await d.page.locator('[data-testid="dream-stage"][data-stage="done"]').waitFor({ timeout: 30_000 });
      for (const d of [a, b]) {
        const stages = (await d.page.evaluate("window.__stages")) as { stage: string | null; t: number }[];
        const seen = stages.filter((s) => s.stage !== null);
        expect(seen.map((s) => s.stage)).toEqual(expect.arrayContaining(["queued", "decay", "consolidate", "done"]));
        expect(seen[0]!.stage).toBe("queued");
        expect(seen.at(-1)!.stage).toBe("done");
        // Each step stayed on screen for its minimum time (1.5 s, a little less for frame timing).
        for (let i = 0; i < seen.length - 1; i++) expect(seen[i + 1]!.t - seen[i]!.t, `${seen[i]!.stage} on screen`).toBeGreaterThan(1400);
      }
      expect(await a.page.getByTestId("dream-by").textContent()).toBe("Started on this device");
      expect(await b.page.getByTestId("dream-by").textContent()).toBe("Started on Studio iMac");
      await b.page.getByTestId("toast-dream").waitFor();
      await b.page.getByTestId("dream-open-report").click();
      const meta = await b.page.getByTestId("dream-report-meta").textContent();
      expect(meta).toContain("started on Studio iMac");
      expect(meta).toMatch(/took (under a second|\d+ s)/);
      const table = (await b.page.locator("table").first().textContent()) ?? "";
      expect(table).not.toContain("/h");
      expect(table).toMatch(/(rising|falling), [+−]\d+ pts|steady/);
      await shoot(b.page, `trust-dream-report-${vp.name}`);
      await expectAccessible(expect, b.page, `dream report (${vp.name})`);
      expect(appErrors([...a.errors, ...b.errors])).toEqual([]);
      await a.context.close();
      await b.context.close();
    });
  }

  for (const vp of VIEWPORTS) {
    const size = { width: vp.width, height: vp.height };

    it(`${vp.name}: an edit made offline that a newer change overtook asks "keep yours / take theirs", naming the other device`, async ({ expect }) => {
      const alice = user("conflict");
      const a = await newDevice(browser, size);
      const b = await newDevice(browser, size);
      await signIn(a.page, nerve.url, alice, "Studio iMac", "/convergence");
      await signIn(b.page, nerve.url, alice, "Pixel phone", "/convergence");

      // The phone loses its network and changes posture and trust meanwhile.
      await b.context.setOffline(true);
      await b.page.getByTestId("link-banner").waitFor();
      expect(await b.page.getByTestId("link-banner").textContent()).toContain("You're offline");
      expect(await b.page.getByTestId("connection-label").textContent()).toBe("You're offline");
      await b.page.getByTestId("posture-expert").click();
      await b.page.getByTestId("slider-trust").locator("input").focus();
      await b.page.keyboard.press("Home");
      await expect.poll(() => b.page.getByTestId("value-trust").textContent()).toBe("0%");
      // Later, on the desktop, the same fields change.
      await a.page.getByTestId("posture-peer").click();
      await expect.poll(() => a.page.getByTestId("posture-current").textContent()).toBe("Now: peer");
      await a.page.getByTestId("slider-trust").locator("input").focus();
      await a.page.keyboard.press("End");
      await expect.poll(async () => (await http(nerve.url, `/api/sync/users/${alice}`, { token: service })).json.state.limbic?.trust, { timeout: 10_000 }).toBe(1);

      await b.context.setOffline(false);
      const posture = b.page.locator('[data-testid="conflict"][data-key="posture"]');
      const limbic = b.page.locator('[data-testid="conflict"][data-key="limbic"]');
      await posture.waitFor({ timeout: 20_000 });
      await limbic.waitFor({ timeout: 20_000 });
      await expect.poll(() => posture.textContent()).toContain("Posture changed on Studio iMac while you were offline");
      // Who made the limbic change comes from the log (the value does not say).
      await expect.poll(() => limbic.textContent(), { timeout: 10_000 }).toContain("Trust changed on Studio iMac while you were offline");
      expect(await posture.getByTestId("conflict-mine").textContent()).toBe("expert");
      expect(await posture.getByTestId("conflict-theirs").textContent()).toBe("peer");
      expect(await limbic.getByTestId("conflict-mine").textContent()).toBe("0%");
      expect(await limbic.getByTestId("conflict-theirs").textContent()).toBe("100%");
      // Until the user chooses, the newer change shows.
      expect(await b.page.getByTestId("posture-current").textContent()).toBe("Now: peer");
      await expect.poll(() => b.page.getByTestId("value-trust").textContent()).toBe("100%");
      await shoot(b.page, `trust-conflict-${vp.name}-phone-device`);
      await expectAccessible(expect, b.page, `conflict (${vp.name})`);

      await posture.getByRole("button", { name: "Keep yours" }).click();
      await limbic.getByRole("button", { name: "Take theirs" }).click();
      await expect.poll(() => a.page.getByTestId("posture-current").textContent(), { timeout: 10_000 }).toBe("Now: expert");
      // The desktop sees who switched it: a name chip on the card and a toast.
      await a.page.getByTestId("chip-posture").waitFor();
      expect(await a.page.getByTestId("chip-posture").textContent()).toBe("Pixel phone");
      await shoot(a.page, `trust-conflict-${vp.name}-other-device`);
      await expect.poll(() => b.page.getByTestId("value-trust").textContent()).toBe("100%");
      expect(await b.page.getByTestId("conflict").count()).toBe(0);
      const snap = await http(nerve.url, `/api/sync/users/${alice}`, { token: service });
      expect(snap.json.state.posture.posture).toBe("expert");
      expect(snap.json.state.limbic.trust).toBe(1);
      // The history says who, with names and "this device".
      await expect.poll(() => b.page.getByTestId("posture-history").locator("li").first().textContent()).toContain("on this device");
      expect(await b.page.getByTestId("posture-history").locator("li").nth(1).textContent()).toContain("on Studio iMac");
      expect(appErrors([...a.errors, ...b.errors])).toEqual([]);
      await a.context.close();
      await b.context.close();
    });
  }

  for (const vp of VIEWPORTS) {
    const size = { width: vp.width, height: vp.height };

    it(`${vp.name}: after a reload, one "while you were away" summary says what changed, by whom, and the feed is still there`, async ({ expect }) => {
      const alice = user("digest");
      const a = await newDevice(browser, size);
      const b = await newDevice(browser, size);
      await signIn(a.page, nerve.url, alice, "Studio iMac", "/convergence");
      await signIn(b.page, nerve.url, alice, "Pixel phone", "/");
      const credit = (newBalance: number, change: number, reason: string) => http(nerve.url, "/api/sync/credit-update", { token: service, body: { userId: alice, newBalance, change, reason } });
      expect((await credit(1380, 380, "Top-up")).status).toBe(202);
      await expect.poll(() => b.page.getByTestId("credits-balance").textContent(), { timeout: 10_000 }).toBe("1,380");
      // The feed has read the log up to the top-up (as a page that was open a while has): what follows is news to it.
      await expect.poll(() => b.page.getByTestId("activity-feed").textContent(), { timeout: 10_000 }).toContain("+380 credits");

      // The phone's page is gone (closed, backgrounded and discarded) while things change.
      await b.page.goto("about:blank");
      expect((await credit(1180, -200, "Shoot wedding-7")).status).toBe(202);
      expect((await credit(980, -200, "Shoot wedding-8")).status).toBe(202);
      await a.page.getByTestId("posture-expert").click();
      await expect.poll(() => a.page.getByTestId("posture-current").textContent()).toBe("Now: expert");
      expect((await http(nerve.url, "/api/sync/shoot-progress", { token: service, body: { userId: alice, shootId: "wedding-9", status: "queued", processedCount: 0, totalCount: 400 } })).status).toBe(202);
      expect((await http(nerve.url, "/api/sync/prompt-change", { token: service, body: { userId: alice, promptId: "p-golden", action: "created", title: "Golden hour" } })).status).toBe(202);

      await b.page.goto(`${nerve.url}/`);
      await waitLive(b.page);
      const digest = b.page.getByTestId("digest");
      await digest.waitFor({ timeout: 15_000 });
      const item = (entity: string) => digest.locator(`[data-testid="digest-item"][data-entity="${entity}"]`);
      await expect.poll(() => item("credits").textContent()).toContain("Credits 1,380 → 980 (−400)");
      expect(await item("posture").textContent()).toContain("Posture is now Expert");
      expect(await item("posture").textContent()).toContain("on Studio iMac");
      expect(await item("shoot:wedding-9").textContent()).toContain("New shoot wedding-9");
      expect(await item("prompts").textContent()).toContain("Golden hour");
      // One summary instead of a burst of toasts.
      expect(await b.page.getByTestId("toast-credit").count()).toBe(0);
      await shoot(b.page, `trust-digest-${vp.name}`);
      await expectAccessible(expect, b.page, `digest (${vp.name})`);

      // A reload keeps the summary (until dismissed) and the activity feed.
      await b.page.reload();
      await waitLive(b.page);
      await digest.waitFor();
      const feed = b.page.getByTestId("activity-feed");
      await feed.waitFor();
      expect(await feed.textContent()).toContain("Prompt created");
      expect(await feed.textContent()).toContain("Posture set to Expert");
      await digest.getByRole("button", { name: "Dismiss the summary" }).click();
      expect(await digest.count()).toBe(0);
      await b.page.reload();
      await waitLive(b.page);
      await feed.waitFor();
      expect(await digest.count()).toBe(0);
      // Live changes from now on are toasts, with who made them.
      await a.page.getByTestId("posture-peer").click();
      await b.page.getByTestId("toast-posture").waitFor({ timeout: 10_000 });
      expect(await b.page.getByTestId("toast-posture").textContent()).toContain("Changed on Studio iMac");
      expect(appErrors([...a.errors, ...b.errors])).toEqual([]);
      await a.context.close();
      await b.context.close();
    });
  }

  for (const vp of VIEWPORTS) {
    const size = { width: vp.width, height: vp.height };

    it(`${vp.name}: a shoot with no update for ${SHOOT_STALLED_AFTER_MS / 60_000} minutes shows "stalled" and can be dismissed; a running one cannot`, async ({ expect }) => {
      const alice = user("stalled");
      const a = await newDevice(browser, size);
      const b = await newDevice(browser, size);
      await signIn(a.page, nerve.url, alice, "Studio iMac", "/shoots");
      await signIn(b.page, nerve.url, alice, "Pixel phone", "/shoots");
      // An uploader device whose last progress report was made 8 minutes ago (sent now, stamped with `at`).
      const uploader = await openSocket(`${nerve.wsUrl}?token=${await nerve.userToken(alice, "uploader")}`);
      uploader.send({ type: "UPDATE_PROGRESS", id: "u-1", at: Date.now() - 8 * 60_000, data: { shootId: "stuck-1", status: "processing", processedCount: 40, totalCount: 120, eta: 30, provider: "Kull Vision" } });
      expect((await uploader.next("ACCEPTED")).type).toBe("ACCEPTED");
      await uploader.close();
      expect((await http(nerve.url, "/api/sync/shoot-progress", { token: service, body: { userId: alice, shootId: "live-2", status: "processing", processedCount: 10, totalCount: 120, eta: 90 } })).status).toBe(202);

      for (const d of [a, b]) {
        const stuck = d.page.locator('[data-testid="shoot-row"][data-shoot="stuck-1"]');
        await stuck.waitFor({ timeout: 10_000 });
        expect(await stuck.getAttribute("data-stalled")).toBe("true");
        expect(await stuck.getByTestId("shoot-status").getAttribute("data-status")).toBe("stalled");
        expect(await stuck.getByTestId("shoot-dismiss").count()).toBe(1);
        const live = d.page.locator('[data-testid="shoot-row"][data-shoot="live-2"]');
        await live.waitFor();
        expect(await live.getByTestId("shoot-status").getAttribute("data-status")).toBe("processing");
        expect(await live.getByTestId("shoot-dismiss").count()).toBe(0);
      }
      await shoot(a.page, `trust-stalled-list-${vp.name}`);
      await expectAccessible(expect, a.page, `shoot list (${vp.name})`);

      await b.page.locator('[data-testid="shoot-row"][data-shoot="stuck-1"] a').click();
      await b.page.getByTestId("shoot-stalled").waitFor();
      expect(await b.page.getByTestId("shoot-eta").textContent()).toBe("Unknown");
      await shoot(b.page, `trust-stalled-shoot-${vp.name}`);
      await expectAccessible(expect, b.page, `stalled shoot (${vp.name})`);
      await b.page.getByTestId("shoot-dismiss").click();
      await b.page.waitForURL(`${nerve.url}/shoots`);
      await a.page.locator('[data-testid="shoot-row"][data-shoot="stuck-1"]').waitFor({ state: "detached", timeout: 10_000 });
      const state = (await http(nerve.url, `/api/sync/users/${alice}`, { token: service })).json.state;
      expect(Object.keys(state).filter((k) => k.startsWith("shoots."))).toEqual(["shoots.live-2"]);
      expect(appErrors([...a.errors, ...b.errors])).toEqual([]);
      await a.context.close();
      await b.context.close();
    });
  }
}, { concurrent: true });
