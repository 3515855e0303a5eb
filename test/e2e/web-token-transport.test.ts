import { expect, it } from "vitest";
import { describeBrowser, webAppSuite, newDevice, signIn } from "./browser.js";

const until = async (check: () => boolean, timeoutMs: number, what: string) => {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
};

describeBrowser("web app: the token never appears in a socket URL", () => {
  const app = webAppSuite({ DEV_SIGN_IN: "1" });

  it("the app and the tester pass the token as a subprotocol, and failed retries print no token to the console", async () => {
    const { page } = await newDevice(app.browser);
    const sockets: string[] = [];
    const consoleLines: string[] = [];
    page.on("websocket", (ws) => sockets.push(ws.url()));
    page.on("console", (m) => consoleLines.push(m.text()));

    await signIn(page, app.nerve.url, `tt-${Date.now().toString(36)}`, "Desk", "/tester");
    await page.getByTestId("tester-connect-button").click();
    await page.locator('[data-testid="tester-status"][data-status="open"]').waitFor({ timeout: 10_000 });
    // The app's own connection and the tester's.
    expect(sockets.length).toBeGreaterThanOrEqual(2);
    for (const url of sockets) expect(url).not.toMatch(/token=/);
    expect(await page.getByTestId("tester-log").textContent()).toContain("subprotocol nerve.v1");

    // The server goes away: both sockets retry and fail, and the browser logs each failed URL.
    await app.nerve.stop();
    await until(() => consoleLines.some((l) => /WebSocket connection to .* failed/.test(l)), 20_000, "a failed socket in the console");
    const failed = consoleLines.filter((l) => /WebSocket connection to/.test(l));
    expect(failed.length).toBeGreaterThan(0);
    for (const line of consoleLines) expect(line).not.toMatch(/token=|eyJ/);
    for (const url of sockets) expect(url).not.toMatch(/token=/);
  });
});
