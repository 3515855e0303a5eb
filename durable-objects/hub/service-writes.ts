import { ErrorCode, type NerveEvent } from "../../protocol/index.js";
import { isHubError, type HubResult, type Idempotency } from "../../common/hub-rpc.js";
import type { Config } from "../../common/config.js";
import type { Dedup } from "../dedup.js";
import type { RateLimiter } from "../rate-limiter.js";
import type { Retention } from "../retention.js";

/** Records a result inside the write's transaction; given to the write as its `alsoWrite`. */
export type Record = ((events: NerveEvent[]) => void) | undefined;

/**
 * A service write: its Idempotency-Key (per service, bound to the request's fingerprint) and the
 * user's service rate bucket. The result is recorded in the same transaction as the write, so a
 * retry after any failure between commit and answer gets the first result, never a second write.
 */
export class ServiceWrites {
  constructor(
    private readonly dedup: Dedup,
    private readonly limiter: RateLimiter,
    private readonly retention: Retention,
    private readonly config: Pick<Config, "serviceRateLimitPerMinute">,
  ) {}

  /**
   * Runs `write` once per key. `recordOf` builds the result to remember from the committed events;
   * a result that adds what only the broadcast knows (`delivered`) replaces it afterwards.
   */
  async run<T extends object>(
    service: string,
    idem: Idempotency | undefined,
    recordOf: (events: NerveEvent[]) => object,
    write: (record: Record) => Promise<HubResult<T>>,
  ): Promise<HubResult<T & { duplicate?: boolean }>> {
    const now = Date.now();
    if (idem) {
      const earlier = this.dedup.serviceResult<T>(service, idem.key);
      if (earlier) {
        if (earlier.fingerprint !== "" && earlier.fingerprint !== idem.fingerprint) {
          return { error: { code: ErrorCode.IDEMPOTENCY_KEY_REUSED, message: "this Idempotency-Key was used with a different request (route or body); use a new key for a new request" } };
        }
        return { ...earlier.result, duplicate: true };
      }
    }
    const bucket = this.limiter.take("service", this.config.serviceRateLimitPerMinute, now);
    if (!bucket.allowed) {
      return { error: { code: ErrorCode.RATE_LIMITED, message: `more than ${this.config.serviceRateLimitPerMinute} service writes a minute for this user`, retryAfterMs: bucket.retryAfterMs } };
    }
    const record: Record = idem ? (events) => this.dedup.rememberServiceResult(service, idem.key, idem.fingerprint, recordOf(events), now) : undefined;
    const result = await write(record);
    if (idem && !isHubError(result)) {
      if ("delivered" in result) this.dedup.updateServiceResult(service, idem.key, result);
      await this.retention.afterRemember(now);
    }
    return result;
  }
}
