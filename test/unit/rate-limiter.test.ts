import { describe, expect, it } from "vitest";
import { take } from "../../durable-objects/rate-limiter.js";
import { retryDelay } from "../../durable-objects/scheduler.js";

describe("token bucket", () => {
  it("allows a full minute's worth at once, then refuses with the time to the next token", () => {
    let bucket;
    for (let i = 0; i < 60; i++) {
      const r = take(bucket, 60, 1_000);
      expect(r.allowed).toBe(true);
      bucket = r.bucket;
    }
    const refused = take(bucket, 60, 1_000);
    expect(refused).toEqual({ allowed: false, bucket: { tokens: 0, updatedAt: 1_000 }, retryAfterMs: 1000 });
    expect(take(refused.bucket, 60, 2_000).allowed).toBe(true);
  });

  it("refills continuously and never beyond capacity", () => {
    const r = take({ tokens: 0, updatedAt: 0 }, 100, 10 * 60_000);
    expect(r.bucket.tokens).toBe(99);
  });
});

describe("job retry backoff", () => {
  it("doubles from 1 s and caps at 5 minutes", () => {
    expect([1, 2, 3, 4, 10, 30].map(retryDelay)).toEqual([1000, 2000, 4000, 8000, 300_000, 300_000]);
  });
});
