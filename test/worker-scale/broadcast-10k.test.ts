import { describe, expect, it, vi } from "vitest";
import type { BroadcastStatus } from "../../protocol/index.js";
import { api, serviceToken, uniqueUser } from "../worker/helpers.js";

const USERS = 10_000;

// Delivery time and hub calls are printed, never asserted: speed is measured, not tested (GUIDE.md).
// Its own project (worker-scale: npm run test:broadcast-scale, not in a plain vitest run): 10,000 new
// hubs are 10,000 SQLite files, and the pool slows as they accumulate (docs/scale.md 5); the same
// flow on wrangler dev is npm run bench:broadcast.
describe("broadcast to 10,000 users through the local queue", () => {
  it("reaches every user exactly once: applied = total, one hub call each, nothing failed", async () => {
    const token = await serviceToken();
    const prefix = uniqueUser("fan");
    const userIds = Array.from({ length: USERS }, (_, i) => `${prefix}-${i}`);
    const t0 = performance.now();
    const res = await api("/api/sync/broadcast", { token, body: { userIds, type: "PROMPT_CHANGE", data: { promptId: "p-10k", action: "created", title: "To everyone" } } });
    const accepted = performance.now() - t0;
    expect(res.status).toBe(202);
    expect(res.json).toMatchObject({ total: USERS, batches: USERS / 100 });
    const id = res.json.broadcastId as string;
    const done = await vi.waitUntil(async () => {
      const s = (await api(`/api/sync/broadcasts/${id}`, { token })).json as BroadcastStatus;
      return s.state === "done" ? s : undefined;
    }, { timeout: 1_500_000, interval: 1000 });
    const seen = performance.now() - t0;
    expect(done).toMatchObject({ total: USERS, applied: USERS, failed: 0, retrying: 0, pending: 0, failures: [] });
    // Every user once: no hub was called twice unless the queue redelivered (then the duplicates say so).
    expect(done.hubCalls).toBe(USERS + done.duplicates);
    for (const i of [0, 1, 4999, 9998, 9999]) {
      expect((await api(`/api/sync/users/${userIds[i]}`, { token })).json.seq).toBe(1);
    }
    console.log([
      `broadcast to ${USERS} users (local queue simulation, workerd in @cloudflare/vitest-plugin):`,
      `  202 after ${accepted.toFixed(0)} ms (${done.batches} queue messages)`,
      `  delivered to all: ${(done.completedAt! - done.createdAt)} ms by the ledger's clock, ${seen.toFixed(0)} ms seen by the test (1 s polling)`,
      `  hub invocations (publish RPCs): ${done.hubCalls}, of which idempotent replays: ${done.duplicates}`,
    ].join("\n"));
  }, 1_800_000);
});
