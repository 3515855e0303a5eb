import { expect, it } from "vitest";
import { describeBrowser, webAppSuite, newDevice, shoot, signIn } from "./browser.js";

describeBrowser("web app: the tester", () => {
  const app = webAppSuite({ DEV_SIGN_IN: "1" });

  it("connects with options, round-trips frames from templates, filters the log, and POSTs a service event", async () => {
    const alice = `tester-${Date.now().toString(36)}`;
    const { page, context, errors } = await newDevice(app.browser);
    await signIn(page, app.nerve.url, alice, "Desk", "/tester");
    await page.getByTestId("tester-connect-button").click();
    await page.locator('[data-testid="tester-status"][data-status="open"]').waitFor({ timeout: 10_000 });
    const log = page.getByTestId("tester-log");
    const welcome = log.locator('[data-testid="log-row"][data-dir="in"][data-type="WELCOME"]');
    await welcome.waitFor();
    expect(await welcome.locator(".body").textContent()).toContain(`"deviceId":"tester"`);
    await log.locator('[data-type="SYNCED"]').waitFor();

    // PING from its template: the server answers PONG with the same t.
    await page.getByTestId("template-PING").click();
    const sent = JSON.parse(await page.getByLabel("Frame", { exact: true }).inputValue()) as { type: string; data: { t: number } };
    expect(sent.type).toBe("PING");
    await page.getByTestId("tester-send").click();
    const pong = log.locator('[data-testid="log-row"][data-dir="in"][data-type="PONG"]');
    await pong.waitFor({ timeout: 10_000 });
    expect(JSON.parse((await pong.locator(".body").textContent())!)).toMatchObject({ type: "PONG", t: sent.data.t });

    // A state update with an id: ACCEPTED with its seq, and the header's own client sees the event.
    await page.getByTestId("template-POSTURE_CHANGE").click();
    const posture = JSON.parse(await page.getByLabel("Frame", { exact: true }).inputValue()) as { id: string };
    expect(posture.id).toMatch(/^t-/);
    await page.getByTestId("tester-send").click();
    const accepted = log.locator('[data-testid="log-row"][data-dir="in"][data-type="ACCEPTED"]');
    await accepted.waitFor({ timeout: 10_000 });
    expect(JSON.parse((await accepted.locator(".body").textContent())!)).toEqual({ type: "ACCEPTED", id: posture.id, seq: 1, ts: expect.any(Number) });
    expect(await accepted.locator(".seq").textContent()).toBe("#1");

    // An invalid frame: the local check says so, the server answers ERROR INVALID_MESSAGE.
    await page.getByLabel("Frame", { exact: true }).fill(JSON.stringify({ type: "LIMBIC_UPDATE", id: "bad-1", data: { trust: 2 } }));
    expect(await page.locator("#t-frame-check").textContent()).toMatch(/^Server will refuse: data.trust/);
    await page.getByTestId("tester-send").click();
    const error = log.locator('[data-testid="log-row"][data-dir="in"][data-type="ERROR"]');
    await error.waitFor({ timeout: 10_000 });
    expect(JSON.parse((await error.locator(".body").textContent())!)).toMatchObject({ type: "ERROR", id: "bad-1", code: "INVALID_MESSAGE" });

    // A service event from the form: 202, and it arrives on the raw connection with the next seq.
    await page.getByTestId("tab-service").click();
    await page.getByLabel("Endpoint", { exact: true }).selectOption("credit-update");
    await page.getByTestId("service-send").click();
    await page.locator('[data-testid="service-status"]').waitFor({ timeout: 10_000 });
    expect(await page.getByTestId("service-status").textContent()).toBe("HTTP 202");
    expect(JSON.parse((await page.getByTestId("service-answer").textContent())!)).toEqual({ seq: 2, delivered: 2 });
    const credit = log.locator('[data-testid="log-row"][data-dir="in"][data-type="CREDIT_UPDATE"]');
    await credit.waitFor({ timeout: 10_000 });
    expect(await credit.locator(".seq").textContent()).toBe("#2");
    await expect.poll(() => page.getByTestId("credits-balance").textContent(), { timeout: 10_000 }).toBe("1,250");
    await page.getByTestId("toast-credit").waitFor();
    expect(await page.getByTestId("toast-credit").textContent()).toContain("+250 credits");

    // The filter narrows the log to matching frames.
    await page.getByTestId("log-filter").fill("PONG");
    await expect.poll(() => log.locator('[data-testid="log-row"]').count()).toBe(1);
    await page.getByTestId("log-filter").fill("");
    await shoot(page, "tester");
    expect(errors).toEqual([]);
    await context.close();
  });
});
