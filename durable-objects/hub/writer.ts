import {
  clampAt, ErrorCode, reduceState, stateKeyOf, topicOfStateKey, type Convergence, type EventType, type NerveEvent, type ShootProgressData,
  type StateRemovedData, type Topic,
} from "../../protocol/index.js";
import type { HubError } from "../../common/hub-rpc.js";
import type { Config } from "../../common/config.js";
import type { Appended, EventLog } from "../event-log.js";
import type { Retention } from "../retention.js";
import type { Sockets } from "../sockets.js";
import type { StateStore } from "../state-store.js";
import { StagedState } from "./staged-state.js";

/** An event to append: the reducer's inputs plus an optional compare-and-set version. */
export interface Commit {
  type: EventType;
  data: unknown;
  from: string;
  baseVersion?: number;
  /** When the sender made the change (unclamped); see `clampAt`. */
  at?: number;
}

/** Computes a key's next value from its current one. Pure: anything else to write goes in `alsoWrite`. */
export type Reduce = (c: Commit, current: unknown, seq: number, ts: number) => unknown;

/** Who a write comes from, and what must be recorded with it. */
export interface WriteVia {
  /** The sending connection: it gets an answer, not the event. */
  exclude?: WebSocket;
  /**
   * Runs inside the transaction, after the appends, so that what it writes (the answer a retry
   * must see, a dream cycle's cursor) is durable exactly when the events are, never without them.
   */
  alsoWrite?: (events: NerveEvent[]) => void;
}

export interface WriteOptions extends WriteVia {
  reduce?: Reduce;
}

export type WriteOutcome = { ok: true; events: NerveEvent[]; delivered: number[] } | { ok: false; error: HubError["error"] };

/** The limits a write is checked against, inside its transaction. */
export type WriteLimits = Pick<Config, "maxShoots" | "maxAnswers" | "maxStateBytes" | "maxServerFrameBytes">;

/** Room left in a frame beside one value: the envelope, versions and devices of a STATE part. */
const FRAME_RESERVE = 65_536;

/** Who removes what the lifecycle removes (expiry): the hub itself. */
export const LIFECYCLE_SOURCE = "nerve";

const isFinished = (c: Commit) => c.type === "SHOOT_PROGRESS" && ["completed", "failed"].includes((c.data as ShootProgressData).status);

/** Carries a refusal (CONFLICT, a limit) out of `transactionSync`, rolling it back. */
class ConflictSignal extends Error {
  constructor(readonly error: HubError["error"]) {
    super(error.message);
  }
}

/**
 * The hub's one write path: compare-and-set, reduce, append, the records that go with the events,
 * then broadcast and retention. Everything up to the broadcast is one SQLite transaction, and
 * nothing is sent before it commits: an answer or event that reaches a device is durable.
 */
export class Writer {
  constructor(
    private readonly storage: DurableObjectStorage,
    private readonly log: EventLog,
    private readonly store: StateStore,
    private readonly sockets: Sockets,
    private readonly retention: Retention,
    private readonly limits: WriteLimits,
  ) {}

  /**
   * Appends one event per commit (and, before a new shoot at MAX_SHOOTS, the `STATE_REMOVED` that
   * evicts the oldest finished one: `all` holds every event in seq order, `events` one per commit).
   */
  async write(commits: Commit[], options: WriteOptions = {}): Promise<WriteOutcome> {
    const now = Date.now();
    let events: NerveEvent[];
    const all: Appended[] = [];
    try {
      events = this.storage.transactionSync(() => {
        const staged = new StagedState(this.store);
        const out = commits.map((c) => this.apply(c, now, all, staged, options.reduce));
        staged.flush(now);
        options.alsoWrite?.(out);
        return out;
      });
    } catch (err) {
      this.log.reload();
      this.store.reload();
      if (err instanceof ConflictSignal) return { ok: false, error: err.error };
      throw err;
    }
    // Each event's stored wire JSON goes out as is: no second stringify per broadcast.
    const counts = this.sockets.broadcastAll(all, options.exclude);
    const answered = new Set(events);
    const delivered = all.flatMap((a, i) => (answered.has(a.event) ? [counts[i]!] : []));
    await this.retention.afterAppend(now);
    if (commits.some(isFinished)) await this.retention.afterShootFinished(now);
    return { ok: true, events, delivered };
  }

  /**
   * Removes the finished shoots that finished at or before `before` (at most `limit` a run), as
   * `STATE_REMOVED {reason: "expired"}`. Returns how many went.
   */
  async expireShoots(before: number, limit = 500): Promise<number> {
    const keys = this.store.finishedShoots(limit, before);
    if (!keys.length) return 0;
    const outcome = await this.write([{ type: "STATE_REMOVED", data: { keys, reason: "expired" } satisfies StateRemovedData, from: LIFECYCLE_SOURCE }]);
    return outcome.ok ? keys.length : 0;
  }

  private apply(c: Commit, now: number, all: Appended[], staged: StagedState, reduce?: Reduce): NerveEvent {
    if (c.type === "STATE_REMOVED") {
      staged.flush(now);
      const { keys, reason } = c.data as StateRemovedData;
      const present = keys.filter((k) => this.store.versionOf(k) > 0);
      if (!present.length) throw new ConflictSignal({ code: ErrorCode.NOT_FOUND, message: `no state key ${keys.join(", ")}` });
      const removals = this.remove(present, reason, c.from, now);
      all.push(...removals);
      return removals.at(-1)!.event;
    }
    const key = stateKeyOf(c.type, c.data);
    const current = key ? staged.get(key) : undefined;
    if (c.baseVersion !== undefined && (current?.version ?? 0) !== c.baseVersion) {
      throw new ConflictSignal({
        code: ErrorCode.CONFLICT, message: `${key} has changed since version ${c.baseVersion}`,
        current: current?.value ?? null, currentVersion: current?.version ?? 0,
      });
    }
    if (key?.startsWith("shoots.") && current === undefined) {
      staged.flush(now); // the shoot count and the finished shoots are read from the store
      all.push(...this.makeRoomForShoot(c.from, now));
    }
    const seq = this.log.lastSeq + 1;
    // The reducers stamp values (posture history, changedAt) with when the change was made; the
    // event keeps the server's ts (the log's order and retention) and carries `at` beside it.
    const made = clampAt(c.at, now);
    const next = key === null ? undefined
      : reduce ? reduce(c, current?.value, seq, now)
      : reduceState(c.type, current?.value, c.data, { ts: made, from: c.from, seq });
    if (key === "convergence") this.checkAnswers(next as Convergence, current?.value as Convergence | undefined);
    const before = key === null ? 0 : staged.bytes();
    const appended = this.log.append(c.type, c.data, c.from, key, now, made !== now ? made : undefined);
    const { event } = appended;
    if (key !== null) {
      const bytes = staged.set(key, next, event.seq, isFinished(c) ? now : null);
      this.checkSize(key, bytes, before, staged.bytes());
    }
    all.push(appended);
    return event;
  }

  /** Removes keys: one `STATE_REMOVED` per topic (a connection gets only the removals of its topics). */
  private remove(keys: string[], reason: StateRemovedData["reason"], from: string, now: number): Appended[] {
    const byTopic = new Map<Topic, string[]>();
    for (const k of keys) byTopic.set(topicOfStateKey(k), [...(byTopic.get(topicOfStateKey(k)) ?? []), k]);
    return [...byTopic.values()].map((group) => {
      // state_key: the first removed key, so the log never replays a removal as a message (the
      // resumed STATE carries it in `removed` instead).
      const appended = this.log.append("STATE_REMOVED", { keys: group, reason } satisfies StateRemovedData, from, group[0]!, now);
      for (const k of group) this.store.remove(k, appended.event.seq);
      return appended;
    });
  }

  /** At MAX_SHOOTS, a new shoot evicts the oldest finished one; with none finished it is refused. */
  private makeRoomForShoot(from: string, now: number): Appended[] {
    const over = this.store.shootCount() - this.limits.maxShoots + 1;
    if (over <= 0) return [];
    const victims = this.store.finishedShoots(over);
    if (victims.length < over) {
      throw new ConflictSignal({
        code: ErrorCode.TOO_MANY_SHOOTS,
        message: `${this.limits.maxShoots} shoots are in the state and none is finished; finish or delete one first`,
      });
    }
    return this.remove(victims, "evicted", from, now);
  }

  private checkAnswers(next: Convergence, current: Convergence | undefined): void {
    const n = Object.keys(next.answers).length;
    if (n > this.limits.maxAnswers && n > Object.keys(current?.answers ?? {}).length) {
      throw new ConflictSignal({
        code: ErrorCode.STATE_TOO_LARGE,
        message: `convergence.answers would have ${n} keys; the limit is ${this.limits.maxAnswers}`,
      });
    }
  }

  /**
   * Refuses a write that grows the state past MAX_STATE_BYTES, or makes one value too large for a
   * frame. A write that does not grow the state passes, so a user at the limit can still update.
   */
  private checkSize(key: string, bytes: number, before: number, after: number): void {
    const maxValue = this.limits.maxServerFrameBytes - FRAME_RESERVE;
    if (bytes > maxValue) {
      throw new ConflictSignal({ code: ErrorCode.STATE_TOO_LARGE, message: `${key} would take ${bytes} bytes; one value may take at most ${maxValue}` });
    }
    if (after > this.limits.maxStateBytes && after > before) {
      throw new ConflictSignal({
        code: ErrorCode.STATE_TOO_LARGE,
        message: `the state would take ${after} bytes; the limit is ${this.limits.maxStateBytes}. Delete keys (DELETE /api/sync/users/:userId/state/:key) first`,
      });
    }
  }
}
