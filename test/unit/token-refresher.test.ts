import { describe, expect, it } from "vitest";
import { TokenRefresher } from "../../client/token-refresher.js";

const at = (now: number, random: number) => new TokenRefresher({
  getToken: () => "t", expOf: () => null, send: () => true, newId: () => "r", onError: () => {}, now: () => now, random: () => random,
});

describe("TokenRefresher.delayFor", () => {
  it("refreshes a tenth of the remaining life before exp, within 5 s and 2 min, with up to half that in jitter", () => {
    const now = 1_000_000;
    expect(at(now, 0).delayFor(now + 3_600_000)).toBe(3_600_000 - 120_000); // 1 h token: 2 min early
    expect(at(now, 1).delayFor(now + 3_600_000)).toBe(3_600_000 - 180_000); // plus at most 1 min of jitter
    expect(at(now, 0).delayFor(now + 300_000)).toBe(300_000 - 30_000); // 5 min token: 30 s early
    expect(at(now, 0).delayFor(now + 20_000)).toBe(15_000); // short token: 5 s early
  });

  it("never sooner than a second, even for a token about to end or already ended", () => {
    expect(at(0, 0.5).delayFor(3_000)).toBe(1_000);
    expect(at(10_000, 0).delayFor(5_000)).toBe(1_000);
  });
});
