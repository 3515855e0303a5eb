import type { Config } from "../common/config.js";
import { DEDUP_TTL_MS, type Dedup } from "./dedup.js";
import type { EventLog } from "./event-log.js";
import type { Scheduler } from "./scheduler.js";

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Keeps the log within EVENT_RETENTION_COUNT and EVENT_RETENTION_DAYS, and the dedup tables within
 * their TTL, through one `prune` alarm job scheduled only when something can expire.
 */
export class Retention {
  private pruneAt: number | null;

  constructor(
    private readonly log: EventLog,
    private readonly dedup: Dedup,
    private readonly scheduler: Scheduler,
    private readonly config: Pick<Config, "eventRetentionCount" | "eventRetentionDays">,
  ) {
    this.pruneAt = scheduler.get("prune")?.due ?? null;
  }

  /**
   * After an append: prune now once the log is a tenth past its count (in batches, not one alarm
   * per event past the limit), else make sure the oldest event's expiry is scheduled.
   */
  async afterAppend(now: number): Promise<void> {
    const slack = Math.max(1, Math.floor(this.config.eventRetentionCount / 10));
    if (this.log.lastSeq - this.log.prunedThroughSeq > this.config.eventRetentionCount + slack) await this.ensure(now);
    else if (this.pruneAt === null) await this.ensure(now + this.config.eventRetentionDays * DAY_MS);
  }

  /** After a dedup entry is remembered: make sure its expiry is scheduled. */
  afterRemember(now: number): Promise<void> {
    return this.ensure(now + DEDUP_TTL_MS);
  }

  private async ensure(due: number): Promise<void> {
    if (this.pruneAt !== null && this.pruneAt <= due) return;
    this.pruneAt = due;
    await this.scheduler.schedule("prune", due, { onlyIfEarlier: true });
  }

  /** The `prune` job: drops what expired; comes back when the next thing expires. */
  run(now: number): number | null {
    this.log.prune(now - this.config.eventRetentionDays * DAY_MS, this.config.eventRetentionCount);
    const oldestDedup = this.dedup.prune(now);
    const oldestEvent = this.log.oldestTs();
    const next = [
      oldestEvent === null ? null : oldestEvent + this.config.eventRetentionDays * DAY_MS,
      oldestDedup === null ? null : oldestDedup + DEDUP_TTL_MS,
    ].filter((x): x is number => x !== null);
    this.pruneAt = next.length ? Math.max(now + 1000, Math.min(...next)) : null;
    return this.pruneAt;
  }
}
