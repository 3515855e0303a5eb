import { describe, expect, it } from "vitest";
import { api, serviceToken, uniqueUser, userToken } from "./helpers.js";

const answers = (n: number, fill: string) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`q${i}`, fill.repeat(4000)]));

describe("event pages", () => {
  it("GET /api/me/events stops a page at ~1 MiB with hasMore: true, and paging returns every event once", async () => {
    const user = uniqueUser("pages");
    const token = await serviceToken();
    // Twelve events of ~200 KB: 2.4 MB of log (the issue saw a 35 MB page fail the 32 MiB RPC limit).
    for (let i = 0; i < 12; i++) {
      const r = await api("/api/sync/state", { token, body: { userId: user, convergence: { answers: answers(50, String.fromCharCode(97 + i)) } } });
      expect(r.status).toBe(202);
    }
    const userTok = await userToken(user);
    const seen: number[] = [];
    let since = 0;
    let pages = 0;
    for (;;) {
      const page = await api(`/api/me/events?since=${since}&limit=500`, { token: userTok });
      expect(page.status).toBe(200);
      expect(JSON.stringify(page.json).length).toBeLessThanOrEqual(1_048_576 + 262_144);
      pages += 1;
      seen.push(...page.json.events.map((e: { seq: number }) => e.seq));
      if (!page.json.hasMore) break;
      expect(page.json.events.length).toBeGreaterThan(0);
      since = page.json.events.at(-1).seq;
    }
    expect(pages).toBeGreaterThanOrEqual(3);
    expect(seen).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
  }, 60_000);

  it("the count bound still holds: limit=2 gives two events and hasMore", async () => {
    const user = uniqueUser("pages-count");
    const token = await serviceToken();
    for (let i = 0; i < 3; i++) await api("/api/sync/credit-update", { token, body: { userId: user, newBalance: i, change: 1, reason: "r" } });
    const page = await api("/api/me/events?since=0&limit=2", { token: await userToken(user) });
    expect(page.json).toMatchObject({ hasMore: true, reset: false, seq: 3 });
    expect(page.json.events.map((e: { seq: number }) => e.seq)).toEqual([1, 2]);
  });
});
