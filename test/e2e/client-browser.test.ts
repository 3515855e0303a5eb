/**
 * The SDK in a real browser (Debian's Chromium through playwright-core), following
 * docs/client.md's quick start to the letter: the page is the doc's own HTML block, the SDK the
 * esbuild bundle the doc builds, the server `wrangler dev` with the page's origin allowed.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { describeBrowser, launchBrowser, newDevice } from "./browser.js";
import { freePort, http as api, REPO_ROOT, startNerve, type Nerve } from "./harness.js";

const run = promisify(execFile);
const BIN = join(REPO_ROOT, "node_modules/.bin");

let nerve: Nerve;
let server: Server;
let browser: Browser;
let pageUrl: string;

/** The first ```html block of docs/client.md: the quick start's page. */
function quickStartPage(): string {
  const doc = readFileSync(join(REPO_ROOT, "docs/client.md"), "utf8");
  const m = /```html\n([\s\S]*?)```/.exec(doc);
  if (!m) throw new Error("docs/client.md has no html block");
  return m[1]!;
}

describeBrowser("the docs' quick start in Chromium", () => {
  beforeAll(async () => {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), "nerve-demo-"));
    const env = { ...process.env, PATH: `${BIN}:${process.env.PATH ?? ""}` };
    await run(join(BIN, "tsc"), ["-p", "client/tsconfig.build.json"], { cwd: REPO_ROOT, env });
    await run(join(BIN, "esbuild"), ["client/dist/client/index.js", "--bundle", "--format=esm", `--outfile=${join(dir, "nerve-client.js")}`, "--log-level=warning"], { cwd: REPO_ROOT, env });
    writeFileSync(join(dir, "index.html"), quickStartPage());
    server = createServer((req, res) => {
      const file = new URL(req.url ?? "/", "http://x").pathname === "/nerve-client.js" ? "nerve-client.js" : "index.html";
      res.writeHead(200, { "Content-Type": file.endsWith(".js") ? "text/javascript" : "text/html" });
      res.end(readFileSync(join(dir, file)));
    });
    await new Promise<void>((r) => server.listen(port, "127.0.0.1", r));
    nerve = await startNerve({ vars: { ALLOWED_ORIGINS: `http://127.0.0.1:${port}` } });
    pageUrl = `http://127.0.0.1:${port}/?nerve=${encodeURIComponent(nerve.wsUrl)}`;
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    server?.close();
    await nerve?.stop();
  });

  const text = (page: Page, id: string) => page.locator(`#${id}`).textContent();
  const eventLines = async (page: Page) => ((await text(page, "log")) ?? "").split("\n").filter((l) => l.startsWith("#"));

  it("shows live events, resumes after a reload without repeats, and comes back after the network returns", async () => {
    const user = `browser-${Date.now().toString(36)}`;
    const service = await nerve.serviceToken();
    const post = async (path: string, body: unknown) => expect((await api(nerve.url, path, { token: service, body })).status).toBe(202);
    const { page, context, errors } = await newDevice(browser);
    await page.goto(`${pageUrl}&token=${await nerve.userToken(user, "browser")}`);
    await expect.poll(() => text(page, "status"), { timeout: 15_000 }).toBe("connected");

    await post("/api/sync/shoot-progress", { userId: user, shootId: "shoot-42", status: "processing", processedCount: 120, totalCount: 800 });
    await expect.poll(() => text(page, "shoot"), { timeout: 10_000 }).toBe("120/800 processing");
    await post("/api/sync/prompt-change", { userId: user, promptId: "p1", action: "created" });
    await expect.poll(() => eventLines(page), { timeout: 10_000 }).toHaveLength(2);
    expect((await eventLines(page)).map((l) => l.split(" ").slice(0, 2).join(" "))).toEqual(["#1 SHOOT_PROGRESS", "#2 PROMPT_CHANGE"]);

    // A reload resumes from the cursor in localStorage: nothing is shown twice.
    await page.reload();
    await expect.poll(() => text(page, "log"), { timeout: 15_000 }).toContain("synced at seq 2 (resumed)");
    await post("/api/sync/prompt-change", { userId: user, promptId: "p2", action: "updated" });
    await expect.poll(() => eventLines(page), { timeout: 10_000 }).toEqual([expect.stringMatching(/^#3 PROMPT_CHANGE /)]);

    // The network goes away and comes back: the page catches up on what it missed, once.
    await context.setOffline(true);
    // Chromium keeps the socket looking open; the `offline` event makes the client ping, and the missing pong ends it.
    await expect.poll(() => text(page, "status"), { timeout: 25_000 }).not.toBe("connected");
    await post("/api/sync/prompt-change", { userId: user, promptId: "p3", action: "updated" });
    await context.setOffline(false);
    await expect.poll(() => text(page, "status"), { timeout: 15_000 }).toBe("connected");
    await expect.poll(() => eventLines(page), { timeout: 10_000 }).toHaveLength(2);
    expect((await eventLines(page)).map((l) => l.split(" ").slice(0, 2).join(" "))).toEqual(["#3 PROMPT_CHANGE", "#4 PROMPT_CHANGE"]);
    expect(errors).toEqual([]);
    await context.close();
  });
});
