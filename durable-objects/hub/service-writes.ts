import { ErrorCode, type NerveEvent } from "../../protocol/index.js";
import { isHubError, type BatchItemOutcome, type BatchPublishItem, type HubError, type HubResult, type Idempotency } from "../../common/hub-rpc.js";
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
   * A batch of one user's items: each key answered by its first result (a key twice in the batch:
   * the second is a duplicate of the first), the bucket taken once per item to write (those past
   * it are RATE_LIMITED, and so is every later item, so that what applies keeps the items' order),
   * then one `write` of every item left, whose `alsoWrite` records each key's result.
   */
  async runBatch(
    service: string,
    items: readonly BatchPublishItem[],
    write: (items: BatchPublishItem[], record: Record) => Promise<HubResult<{ events: NerveEvent[] }>>,
  ): Promise<BatchItemOutcome[]> {
    const now = Date.now();
    const out = new Array<BatchItemOutcome | undefined>(items.length);
    const firstOfKey = new Map<string, number>();
    const fresh: number[] = [];
    const reused = (): HubError => ({ error: { code: ErrorCode.IDEMPOTENCY_KEY_REUSED, message: "this idempotencyKey was used with a different item (user, type or data); use a new key for a new event" } });
    items.forEach((item, i) => {
      const idem = item.idempotency;
      if (idem) {
        const earlier = this.dedup.serviceResult<{ seq: number }>(service, idem.key);
        if (earlier) {
          out[i] = earlier.fingerprint !== "" && earlier.fingerprint !== idem.fingerprint ? reused() : { seq: earlier.result.seq, duplicate: true };
          return;
        }
        const first = firstOfKey.get(idem.key);
        if (first !== undefined) {
          if (items[first]!.idempotency!.fingerprint !== idem.fingerprint) out[i] = reused();
          return; // a repeat of an item of this batch: answered with the first one's seq below
        }
        firstOfKey.set(idem.key, i);
      }
      fresh.push(i);
    });
    const bucket = this.limiter.takeUpTo("service", this.config.serviceRateLimitPerMinute, now, fresh.length);
    for (const i of fresh.slice(bucket.granted)) {
      out[i] = { error: { code: ErrorCode.RATE_LIMITED, message: `more than ${this.config.serviceRateLimitPerMinute} service writes a minute for this user`, retryAfterMs: bucket.retryAfterMs } };
    }
    const applied = fresh.slice(0, bucket.granted);
    if (applied.length) {
      const record: Record = (events) => applied.forEach((i, k) => {
        const idem = items[i]!.idempotency;
        if (idem) this.dedup.rememberServiceResult(service, idem.key, idem.fingerprint, { seq: events[k]!.seq }, now);
      });
      const result = await write(applied.map((i) => items[i]!), record);
      applied.forEach((i, k) => {
        out[i] = isHubError(result) ? result : { seq: result.events[k]!.seq };
      });
      if (!isHubError(result) && applied.some((i) => items[i]!.idempotency)) await this.retention.afterRemember(now);
    }
    // Array.from, not map: map skips the holes of in-batch repeats.
    return Array.from(out, (o, i) => {
      if (o) return o;
      const first = out[firstOfKey.get(items[i]!.idempotency!.key)!]!;
      return isHubError(first) ? first : { seq: first.seq, duplicate: true };
    });
  }

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
