import { describe, expect, it } from "vitest";
import { readConfig } from "../../common/config.js";
import { WelcomeFrame } from "../../protocol/index.js";
import { device, uniqueUser } from "./helpers.js";

describe("reconnect advice", () => {
  it("WELCOME carries reconnectSpreadMs, the window a client spreads its first reconnect over after an unplanned close", async () => {
    const { client, catchUp } = await device(uniqueUser("spread"), "phone");
    const welcome = catchUp[0]!;
    expect(WelcomeFrame.safeParse(welcome).success).toBe(true);
    expect(welcome).toMatchObject({ type: "WELCOME", reconnectSpreadMs: 10_000 });
    client.close();
  });

  it("RECONNECT_SPREAD_MS sets it; a bad value fails the configuration loudly", () => {
    expect(readConfig({ RECONNECT_SPREAD_MS: "30000" }).reconnectSpreadMs).toBe(30_000);
    expect(readConfig({}).reconnectSpreadMs).toBe(10_000);
    expect(() => readConfig({ RECONNECT_SPREAD_MS: "-1" })).toThrow(/RECONNECT|positive/);
  });
});
