import type { Config } from "../common/config.js";
import { DEDUP_TTL_MS, type Dedup } from "./dedup.js";
import type { EventLog } from "./event-log.js";
import type { Scheduler } from "./scheduler.js";
import type { StateStore } from "./state-store.js";

const DAY_MS = 24 * 60 * 60 * 1000;
const HOUR_MS = 60 * 60 * 1000;

/**
 * Keeps the log within EVENT_RETENTION_COUNT and EVENT_RETENTION_DAYS, the dedup tables within
 * their TTL, and finished shoots within SHOOT_RETENTION_HOURS, through one `prune` alarm job
 * scheduled only when something can expire. The job itself (user-hub) removes the expired shoots
 * through the writer, then calls `run`.
 */
export class Retention {
  private pruneAt: number | null;

  constructor(
    private readonly log: EventLog,
    private readonly dedup: Dedup,
    private readonly scheduler: Scheduler,
    private readonly config: Pick<Config, "eventRetentionCount" | "eventRetentionDays" | "shootRetentionHours">,
    private readonly store: StateStore,
  ) {
    this.pruneAt = scheduler.get("prune")?.due ?? null;
  }

  /** How long a finished shoot stays. */
  get shootRetentionMs(): number {
    return this.config.shootRetentionHours * HOUR_MS;
  }

  /**
   * A shoot may stay up to this much past its retention, so that shoots finishing close together
   * leave in one wake of the hub rather than one each (a wake costs).
   */
  private get shootSlackMs(): number {
    return Math.min(HOUR_MS, this.shootRetentionMs / 10);
  }

  /** After a shoot finished: make sure its expiry is scheduled. */
  afterShootFinished(now: number): Promise<void> {
    return this.ensure(now + this.shootRetentionMs + this.shootSlackMs);
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
    this.store.pruneRemoved(this.log.prunedThroughSeq);
    const oldestDedup = this.dedup.prune(now);
    const oldestEvent = this.log.oldestTs();
    const oldestFinished = this.store.oldestFinishedAt();
    const next = [
      oldestEvent === null ? null : oldestEvent + this.config.eventRetentionDays * DAY_MS,
      oldestDedup === null ? null : oldestDedup + DEDUP_TTL_MS,
      oldestFinished === null ? null : oldestFinished + this.shootRetentionMs + this.shootSlackMs,
    ].filter((x): x is number => x !== null);
    this.pruneAt = next.length ? Math.max(now + 1000, Math.min(...next)) : null;
    return this.pruneAt;
  }
}
