import { expect, it } from "vitest";
import { describeBrowser, webAppSuite, newDevice, shoot, signIn } from "./browser.js";

describeBrowser("web app: the metrics panel of the developer view", () => {
  const app = webAppSuite({ DEV_SIGN_IN: "1" });

  it("shows the signed-in user's hub counters, and they move with what the tester sends", async () => {
    const alice = `metrics-${Date.now().toString(36)}`;
    for (const [name, width, height] of [["desktop", 1440, 900], ["phone", 390, 844]] as const) {
      const { page, context, errors } = await newDevice(app.browser, { width, height });
      await signIn(page, app.nerve.url, alice, `Metrics ${name}`, "/tester");
      const panel = page.getByTestId("metrics-panel");
      await panel.getByTestId("metric-events").waitFor({ timeout: 10_000 });
      if (name === "desktop") {
        // A refused frame from the tester's raw connection: the panel counts it by code.
        await page.getByTestId("tester-connect-button").click();
        await page.locator('[data-testid="tester-status"][data-status="open"]').waitFor({ timeout: 10_000 });
        await page.getByLabel("Frame", { exact: true }).fill(JSON.stringify({ type: "LIMBIC_UPDATE", id: "bad-1", data: { trust: 2 } }));
        await page.getByTestId("tester-send").click();
        await page.locator('[data-testid="log-row"][data-dir="in"][data-type="ERROR"]').waitFor({ timeout: 10_000 });
        await panel.getByRole("button", { name: "Refresh" }).click();
        await expect.poll(() => panel.getByTestId("metric-refusals").textContent(), { timeout: 10_000 }).toContain("INVALID_MESSAGE 1");
      }
      expect(Number((await panel.getByTestId("metric-sockets").locator(".value").textContent())!)).toBeGreaterThanOrEqual(1);
      await panel.scrollIntoViewIfNeeded();
      await shoot(page, `metrics-panel-${name}`);
      expect(errors).toEqual([]);
      await context.close();
    }
  }, 90_000);
});
