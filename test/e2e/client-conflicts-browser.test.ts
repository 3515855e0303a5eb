/**
 * The offline two-device scenario of conflict-aware queued edits with the SDK in real Chromium (two
 * browser contexts: two devices, each with its own localStorage) against a real `wrangler dev`.
 * The phone's network is turned off the way a browser does it (`context.setOffline`): its socket
 * looks open until the `offline` event's ping finds no pong; back online, the browser's `online`
 * event brings it back. The Node twin is client-conflicts.test.ts.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { describeBrowser, launchBrowser, newDevice } from "./browser.js";
import { freePort, http, REPO_ROOT, startNerve, type Nerve } from "./harness.js";

const run = promisify(execFile);
const BIN = join(REPO_ROOT, "node_modules/.bin");
const PAGE = `<!doctype html><meta charset="utf-8"><title>device</title><script src="/nerve.js"></script>`;

let nerve: Nerve;
let server: Server;
let browser: Browser;
let origin: string;

/** One device: a browser context with the SDK loaded in its page. */
interface Device {
  context: BrowserContext;
  page: Page;
  errors: string[];
}

describeBrowser("client conflicts in Chromium against wrangler dev", () => {
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), "nerve-conflicts-"));
    const bundle = join(dir, "nerve.js");
    // Straight from the TypeScript sources: an IIFE that puts the SDK at window.Nerve.
    await run(join(BIN, "esbuild"), ["client/index.ts", "--bundle", "--format=iife", "--global-name=Nerve", `--outfile=${bundle}`, "--log-level=warning"], {
      cwd: REPO_ROOT, env: { ...process.env, PATH: `${BIN}:${process.env.PATH ?? ""}` },
    });
    const port = await freePort();
    server = createServer((req, res) => {
      const js = new URL(req.url ?? "/", "http://x").pathname === "/nerve.js";
      res.writeHead(200, { "Content-Type": js ? "text/javascript" : "text/html" });
      res.end(js ? readFileSync(bundle) : PAGE);
    });
    await new Promise<void>((r) => server.listen(port, "127.0.0.1", r));
    origin = `http://127.0.0.1:${port}`;
    nerve = await startNerve({ vars: { ALLOWED_ORIGINS: origin } });
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    server?.close();
    await nerve?.stop();
  });

  async function device(user: string, deviceId: string): Promise<Device> {
    const d = await newDevice(browser);
    await d.page.goto(`${origin}/`);
    const token = await nerve.userToken(user, deviceId);
    await d.page.evaluate(({ url, token, deviceId }) => {
      const w = globalThis as any;
      w.client = w.Nerve.createNerveClient({
        url, getToken: () => token, deviceId, platform: "web",
        backoff: { minDelayMs: 50, maxDelayMs: 300 }, maxRetries: 1, connectTimeoutMs: 3000, pongTimeoutMs: 1000,
      });
      w.conflicts = [];
      w.sends = {};
      w.client.on("conflict", (c: unknown) => w.conflicts.push(c));
    }, { url: nerve.wsUrl, token, deviceId });
    await d.page.evaluate(() => (globalThis as any).client.whenSynced());
    return d;
  }

  /** Reads from a device's client. */
  const read = <T,>(d: Device, expr: string): Promise<T> => d.page.evaluate(`(() => { const client = window.client; return ${expr}; })()`) as Promise<T>;
  /** Starts a send and keeps its outcome in the page under `name` (`{ok}` or `{error: code}`). */
  const sendLater = (d: Device, name: string, type: string, data: unknown) => d.page.evaluate(({ name, type, data }) => {
    const w = globalThis as any;
    w.sends[name] = { pending: true };
    w.client.send(type, data).then((r: unknown) => (w.sends[name] = { ok: r }), (e: { code: string }) => (w.sends[name] = { error: e.code }));
  }, { name, type, data });
  const send = (d: Device, type: string, data: unknown) => d.page.evaluate(({ type, data }) => (globalThis as any).client.send(type, data), { type, data }) as Promise<{ seq: number }>;

  it("offline edits: no silent overwrite, disjoint fields merged, overlaps raised, the resolution reaches both", async () => {
    const user = `conf-browser-${Date.now().toString(36)}`;
    const phone = await device(user, "phone");
    const desktop = await device(user, "desktop");
    await send(desktop, "POSTURE_CHANGE", { posture: "peer" });
    await expect.poll(() => read(phone, "client.versions.posture"), { timeout: 10_000 }).toBe(1);

    await phone.context.setOffline(true);
    // Chromium keeps the socket looking open; the `offline` event's ping gets no pong, then retries fail.
    await expect.poll(() => read(phone, "client.phase"), { timeout: 20_000 }).toBe("offline");
    await sendLater(phone, "warmth", "LIMBIC_UPDATE", { warmth: 0.3 });
    await sendLater(phone, "trust", "LIMBIC_UPDATE", { trust: 0.1 });
    await sendLater(phone, "posture", "POSTURE_CHANGE", { posture: "companion" });
    expect(await read(phone, "client.getSnapshot().pending")).toBe(3);
    await send(desktop, "LIMBIC_UPDATE", { trust: 0.8 });
    const copilot = await send(desktop, "POSTURE_CHANGE", { posture: "copilot" });

    // Back online: the browser's `online` event reconnects the phone; its queued edits meet the newer ones.
    await phone.context.setOffline(false);
    await expect.poll(() => read(phone, "window.conflicts.length"), { timeout: 20_000 }).toBe(2);
    const conflicts = await read<unknown[]>(phone, "window.conflicts.map((c) => ({ key: c.key, fields: c.fields, mine: c.mine, theirs: c.theirs, theirsFrom: c.theirsFrom, theirsVersion: c.theirsVersion }))");
    expect(conflicts).toEqual([
      { key: "limbic", fields: ["trust"], mine: { trust: 0.1 }, theirs: expect.objectContaining({ trust: 0.8 }), theirsVersion: copilot.seq - 1 },
      { key: "posture", fields: ["posture"], mine: { posture: "companion" }, theirs: expect.objectContaining({ posture: "copilot" }), theirsFrom: "desktop", theirsVersion: copilot.seq },
    ]);
    // Nothing overwritten: the desktop still shows its own newer values, and the disjoint field merged in.
    await expect.poll(() => read(phone, "window.sends.warmth"), { timeout: 10_000 }).toMatchObject({ ok: { seq: expect.any(Number) } });
    await expect.poll(() => read(desktop, "client.state.limbic.warmth"), { timeout: 10_000 }).toBe(0.3);
    expect(await read(desktop, "[client.state.limbic.trust, client.state.posture.posture]")).toEqual([0.8, "copilot"]);
    expect(await read(phone, "[client.phase, client.state.limbic.trust, client.state.limbic.warmth, client.state.posture.posture]")).toEqual(["synced", 0.8, 0.3, "copilot"]);

    // The user chooses: theirs for trust, mine for posture.
    await phone.page.evaluate(() => {
      const w = globalThis as any;
      w.conflicts[0].resolve("theirs");
      w.conflicts[1].resolve("mine");
    });
    await expect.poll(() => read(phone, "window.sends.trust"), { timeout: 10_000 }).toEqual({ error: "CONFLICT" });
    await expect.poll(() => read(phone, "window.sends.posture"), { timeout: 10_000 }).toMatchObject({ ok: { seq: expect.any(Number) } });
    await expect.poll(() => read(desktop, "client.state.posture.posture"), { timeout: 10_000 }).toBe("companion");

    const me = (await http(nerve.url, "/api/me", { token: await nerve.userToken(user) })).json as { seq: number; state: Record<string, unknown> };
    expect(me.state.limbic).toMatchObject({ trust: 0.8, warmth: 0.3 });
    expect(me.state.posture).toMatchObject({ posture: "companion", by: "phone" });
    for (const d of [phone, desktop]) {
      await expect.poll(() => read(d, "client.seq"), { timeout: 10_000 }).toBe(me.seq);
      expect(await read(d, "client.state")).toEqual(me.state);
      // Chromium logs each connection attempt made while offline; anything else is a failure.
      expect(d.errors.filter((e) => !e.includes("net::ERR_INTERNET_DISCONNECTED"))).toEqual([]);
      await d.page.evaluate(() => (globalThis as any).client.close());
      await d.context.close();
    }
  });
});
