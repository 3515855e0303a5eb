/**
 * Sealed state across runtimes against a real `wrangler dev`: a device in Node 22 (@noble keys as
 * bytes), a device in Chromium (non-extractable WebCrypto keys in IndexedDB) and a service. The
 * hub's SQLite files on disk and every WebSocket frame of both devices are searched for plaintext.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createNerveClient, memoryStorage, type WebSocketFactory } from "../../client/index.js";
import { bytesKeyStore, sealToUser, withSealed } from "../../client/sealed/index.js";
import type { SealedEnvelope } from "../../protocol/index.js";
import { describeBrowser, launchBrowser, newDevice } from "./browser.js";
import { waitForClient } from "./client-wait.js";
import { freePort, http as api, REPO_ROOT, startNerve, type Nerve } from "./harness.js";

const run = promisify(execFile);
const BIN = join(REPO_ROOT, "node_modules/.bin");
const FROM_BROWSER = "typed-in-chromium-5521";
const FROM_NODE = "typed-in-node-7730";
const FROM_SERVICE = "sealed-by-a-service-3348";
const AFTER_REMOVAL = "after-the-browser-was-removed-1204";

let nerve: Nerve;
let server: Server;
let browser: Browser;
let pageUrl: string;

/** Every file under `dir`, recursively. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

describeBrowser("sealed state: Node, Chromium and a service", () => {
  beforeAll(async () => {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), "nerve-sealed-"));
    const entry = join(dir, "entry.ts");
    writeFileSync(entry, `export * from ${JSON.stringify(join(REPO_ROOT, "client/index.ts"))};\nexport * from ${JSON.stringify(join(REPO_ROOT, "client/sealed/index.ts"))};\n`);
    await run(join(BIN, "esbuild"), [entry, "--bundle", "--format=esm", `--outfile=${join(dir, "nerve.js")}`, "--log-level=warning"], { cwd: REPO_ROOT });
    writeFileSync(join(dir, "index.html"), `<!doctype html><title>sealed</title><script type="module">import * as nerve from "./nerve.js"; window.nerve = nerve; document.title = "ready";</script>`);
    server = createServer((req, res) => {
      const file = new URL(req.url ?? "/", "http://x").pathname === "/nerve.js" ? "nerve.js" : "index.html";
      res.writeHead(200, { "Content-Type": file.endsWith(".js") ? "text/javascript" : "text/html" });
      res.end(readFileSync(join(dir, file)));
    });
    await new Promise<void>((r) => server.listen(port, "127.0.0.1", r));
    nerve = await startNerve({ vars: { ALLOWED_ORIGINS: `http://127.0.0.1:${port}` } });
    pageUrl = `http://127.0.0.1:${port}/`;
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    server?.close();
    await nerve?.stop();
  });

  /** Runs `body` in the page with `window.dev` (the browser device) in scope; returns its JSON result. */
  const inPage = <T>(page: Page, body: string, arg: unknown = null): Promise<T> =>
    page.evaluate(`(async (arg) => { const dev = window.dev; ${body} })(${JSON.stringify(arg)})`) as Promise<T>;
  const pageSnap = (page: Page) => inPage<{ status: string; epoch: number; keyKind: string; pairings: { role: string; code: string | null }[] }>(page, "return dev.sealed.getSnapshot();");

  it("they exchange sealed values, approve with the same code on both screens, and removal rotates the key", async () => {
    const user = `sealed-${Date.now().toString(36)}`;
    const nodeFrames: string[] = [];
    class Recording extends WebSocket {
      constructor(url: string, protocols?: string | string[]) {
        super(url, protocols);
        this.addEventListener("message", (e) => nodeFrames.push(String(e.data)));
      }
      override send(data: string): void {
        nodeFrames.push(data);
        super.send(data);
      }
    }
    const node = withSealed(
      createNerveClient({ url: nerve.wsUrl, getToken: () => nerve.userToken(user, "node"), storage: memoryStorage(), WebSocket: Recording as unknown as WebSocketFactory }),
      { keyStore: bytesKeyStore(memoryStorage()), storage: memoryStorage(), deviceName: "Node" },
    );
    await node.whenSynced();
    await node.sealed.settled();
    await node.sealed.setup();
    expect(node.sealed.getSnapshot()).toMatchObject({ status: "ready", keyKind: "bytes" });

    const { page, context, errors } = await newDevice(browser);
    const browserFrames: string[] = [];
    page.on("websocket", (ws) => {
      ws.on("framesent", (f) => browserFrames.push(String(f.payload)));
      ws.on("framereceived", (f) => browserFrames.push(String(f.payload)));
    });
    await page.goto(pageUrl);
    await expect.poll(() => page.title(), { timeout: 10_000 }).toBe("ready");
    await inPage(page, `
      window.dev = nerve.withSealed(nerve.createNerveClient({ url: arg.url, getToken: async () => arg.token }), { deviceName: "Chromium" });
      await window.dev.whenSynced();`, { url: nerve.wsUrl, token: await nerve.userToken(user, "chromium") });
    await expect.poll(async () => (await pageSnap(page)).status, { timeout: 10_000 }).toBe("unapproved");
    expect((await pageSnap(page)).keyKind).toBe("webcrypto");

    // Approval: the code appears on both screens; the user compares and confirms on both.
    await inPage(page, "await dev.sealed.requestApproval();");
    // The sealed snapshot follows the client's asynchronously (verification): poll it.
    await expect.poll(() => node.sealed.getSnapshot().requests.map((r) => r.deviceId), { timeout: 10_000 }).toContain("chromium");
    await node.sealed.beginApproval("chromium");
    await expect.poll(async () => (await pageSnap(page)).pairings[0]?.code, { timeout: 10_000 }).toMatch(/^\d{6}$/);
    const browserCode = (await pageSnap(page)).pairings[0]!.code;
    await expect.poll(() => node.sealed.getSnapshot().pairings.find((p) => p.deviceId === "chromium")?.code, { timeout: 10_000 }).toBe(browserCode);
    await inPage(page, "await dev.sealed.confirmPairing(true);");
    await node.sealed.approve("chromium");
    await expect.poll(async () => (await pageSnap(page)).status, { timeout: 10_000 }).toBe("ready");

    // The browser's device keys are non-extractable CryptoKeys in IndexedDB.
    const stored = await inPage<{ x: boolean; e: boolean; type: string }>(page, `
      const db = await new Promise((ok, ko) => { const r = indexedDB.open("nerve-sealed", 1); r.onsuccess = () => ok(r.result); r.onerror = () => ko(r.error); });
      const all = await new Promise((ok) => { const q = db.transaction("device-keys").objectStore("device-keys").getAll(); q.onsuccess = () => ok(q.result); });
      return { x: all[0].x.privateKey.extractable, e: all[0].e.privateKey.extractable, type: all[0].e.privateKey.algorithm.name };`);
    expect(stored).toEqual({ x: false, e: false, type: "Ed25519" });

    // Chromium writes, Node reads; Node writes, Chromium reads; a service writes, both read.
    await inPage(page, "await dev.sealed.set('journal', { text: arg });", FROM_BROWSER);
    await waitForClient(node, () => (node.getSnapshot().state["sealed.journal"] as SealedEnvelope | undefined)?.from === "chromium", "the browser's value on Node");
    expect(await node.sealed.get("journal")).toMatchObject({ value: { text: FROM_BROWSER }, from: "chromium", origin: "device" });
    await node.sealed.set("notes", { text: FROM_NODE });
    await expect.poll(() => inPage(page, "return (await dev.sealed.get('notes'))?.value.text ?? null;"), { timeout: 10_000 }).toBe(FROM_NODE);
    const service = await nerve.serviceToken();
    const snapshot = await api(nerve.url, `/api/sync/users/${user}`, { token: service });
    const { envelope } = sealToUser({ keyring: (snapshot.json as { state: { keyring: unknown } }).state.keyring, service: "insights", name: "insight", value: { text: FROM_SERVICE } });
    expect((await api(nerve.url, "/api/sync/sealed", { token: service, body: { userId: user, name: "insight", envelope } })).status).toBe(202);
    await expect.poll(() => inPage(page, "const v = await dev.sealed.get('insight'); return v ? [v.value.text, v.origin] : null;"), { timeout: 10_000 }).toEqual([FROM_SERVICE, "service"]);
    await waitForClient(node, () => node.getSnapshot().state["sealed.insight"] !== undefined, "the service's value on Node");
    expect((await node.sealed.get("insight"))?.value).toEqual({ text: FROM_SERVICE });

    // A tampered ciphertext is refused in the browser with a code.
    const env = node.getSnapshot().state["sealed.notes"] as Extract<SealedEnvelope, { kind: "device" }>;
    await node.send("SEALED_UPDATE", { name: "notes", envelope: { ...env, ct: (env.ct[0] === "A" ? "B" : "A") + env.ct.slice(1) } });
    await expect.poll(() => inPage(page, "try { await dev.sealed.get('notes'); return 'opened'; } catch (e) { return e.code; }"), { timeout: 10_000 }).toBe("SEALED_TAMPERED");

    // Node removes the browser: the key rotates and the browser cannot read what follows.
    await node.sealed.removeDevice("chromium");
    expect(node.sealed.getSnapshot()).toMatchObject({ status: "ready", epoch: 2 });
    await expect.poll(async () => (await pageSnap(page)).status, { timeout: 10_000 }).toBe("removed");
    await node.sealed.set("journal", { text: AFTER_REMOVAL });
    await expect.poll(() => inPage(page, "const e = dev.getSnapshot().state['sealed.journal']; return e?.epoch ?? null;"), { timeout: 10_000 }).toBe(2);
    expect(await inPage(page, "try { await dev.sealed.get('journal'); return 'opened'; } catch (e) { return e.code; }")).toBe("SEALED_LOCKED");
    expect((await node.sealed.get("journal"))?.value).toEqual({ text: AFTER_REMOVAL });

    // Nothing readable on the wire or in the hub's SQLite files; the ciphertext is there.
    const sqlite = filesUnder(nerve.persistDir).filter((f) => /\.sqlite(-wal)?$/.test(f));
    expect(sqlite.length).toBeGreaterThan(0);
    const disk = sqlite.map((f) => readFileSync(f).toString("latin1")).join("\n");
    const wire = [...nodeFrames, ...browserFrames].join("\n");
    expect(wire).toContain('"SEALED_UPDATE"');
    expect(disk).toContain(env.nonce);
    for (const secret of [FROM_BROWSER, FROM_NODE, FROM_SERVICE, AFTER_REMOVAL]) {
      expect(wire).not.toContain(secret);
      expect(disk).not.toContain(secret);
    }
    expect(errors).toEqual([]);
    await inPage(page, "await dev.close();");
    await context.close();
    await node.close();
  });
});
