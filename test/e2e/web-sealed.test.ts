/**
 * The web app's end-to-end encryption flow in Chromium: set up on one window, approve a second
 * window (a phone-sized one) by comparing the code on both screens, exchange a sealed note, remove
 * the second window. The header's lock shows only while sealed state is verified on that device.
 */
import { expect, it } from "vitest";
import type { Page } from "playwright-core";
import { describeBrowser, webAppSuite, newDevice, shoot, signIn } from "./browser.js";

const lock = (page: Page) => page.locator('header [data-testid="connection-indicator"] .conn-lock');
const status = (page: Page) => page.getByTestId("sealed-panel").getAttribute("data-status");

describeBrowser("web app: end-to-end encryption between two windows", () => {
  const app = webAppSuite({ DEV_SIGN_IN: "1" });

  it("approves a device with the same code on both screens, shares a sealed note, and removal locks it out", async () => {
    const user = `e2ee-${Date.now().toString(36)}`;
    const a = await newDevice(app.browser, { width: 1440, height: 900 });
    const b = await newDevice(app.browser, { width: 390, height: 844 });
    await signIn(a.page, app.nerve.url, user, "Laptop", "/devices");
    await expect.poll(() => status(a.page), { timeout: 15_000 }).toBe("none");
    expect(await lock(a.page).count()).toBe(0);
    await a.page.getByRole("button", { name: "Set up on this device" }).click();
    await expect.poll(() => status(a.page), { timeout: 15_000 }).toBe("ready");
    await lock(a.page).first().waitFor({ timeout: 5000 });
    await expect.poll(() => a.page.getByTestId("sealed-panel").textContent()).toContain("non-extractable (WebCrypto)");

    await signIn(b.page, app.nerve.url, user, "Phone", "/devices");
    await expect.poll(() => status(b.page), { timeout: 15_000 }).toBe("unapproved");
    expect(await lock(b.page).count()).toBe(0);
    await b.page.getByRole("button", { name: "Ask another device to approve" }).click();
    const request = a.page.getByTestId("pairing-request");
    await request.getByRole("button", { name: "Compare codes" }).click({ timeout: 15_000 });
    const codeA = a.page.getByTestId("pairing-code");
    const codeB = b.page.getByTestId("pairing-code");
    await codeA.waitFor({ timeout: 15_000 });
    await codeB.waitFor({ timeout: 15_000 });
    expect(await codeA.textContent()).toMatch(/^\d{3} \d{3}$/);
    expect(await codeB.textContent()).toBe(await codeA.textContent());
    await shoot(a.page, "sealed-approve-desktop");
    await shoot(b.page, "sealed-approve-phone");

    await b.page.getByRole("button", { name: "Codes match" }).click();
    await a.page.getByRole("button", { name: "Codes match: approve" }).click();
    await expect.poll(() => status(b.page), { timeout: 15_000 }).toBe("ready");
    await lock(b.page).first().waitFor({ timeout: 5000 });

    // A sealed note typed on the laptop appears on the phone.
    await a.page.getByLabel("Sealed note").fill("only my devices read this");
    await a.page.getByRole("button", { name: "Save sealed" }).click();
    await expect.poll(() => b.page.getByTestId("sealed-note").textContent(), { timeout: 10_000 }).toBe("only my devices read this");
    await shoot(b.page, "sealed-ready-phone");
    await shoot(a.page, "sealed-ready-desktop");

    // The laptop removes the phone: the phone's lock goes, and it reads nothing new.
    await a.page.locator('[data-testid="sealed-member"][data-device]').filter({ hasText: "Phone" }).getByRole("button", { name: "Remove" }).click();
    await expect.poll(() => status(b.page), { timeout: 15_000 }).toBe("removed");
    expect(await lock(b.page).count()).toBe(0);
    await expect.poll(() => a.page.getByTestId("sealed-panel").textContent()).toContain("key 2");
    expect(a.errors).toEqual([]);
    expect(b.errors).toEqual([]);
    await a.context.close();
    await b.context.close();
  });
});
