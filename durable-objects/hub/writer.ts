import { ErrorCode, reduceState, stateKeyOf, type EventType, type NerveEvent } from "../../protocol/index.js";
import type { HubError } from "../../common/hub-rpc.js";
import type { EventLog } from "../event-log.js";
import type { Retention } from "../retention.js";
import type { Sockets } from "../sockets.js";
import type { StateStore } from "../state-store.js";

/** An event to append: the reducer's inputs plus an optional compare-and-set version. */
export interface Commit {
  type: EventType;
  data: unknown;
  from: string;
  baseVersion?: number;
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

/** Carries a CONFLICT out of `transactionSync`, rolling it back. */
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
  ) {}

  async write(commits: Commit[], options: WriteOptions = {}): Promise<WriteOutcome> {
    const now = Date.now();
    let events: NerveEvent[];
    const wires: string[] = [];
    try {
      events = this.storage.transactionSync(() => {
        const out = commits.map((c) => this.apply(c, now, options.reduce, wires));
        options.alsoWrite?.(out);
        return out;
      });
    } catch (err) {
      this.log.reload();
      if (err instanceof ConflictSignal) return { ok: false, error: err.error };
      throw err;
    }
    const delivered = events.map((event, i) => this.sockets.broadcast(event, options.exclude, wires[i]));
    await this.retention.afterAppend(now);
    return { ok: true, events, delivered };
  }

  private apply(c: Commit, now: number, reduce: Reduce | undefined, wires: string[]): NerveEvent {
    const key = stateKeyOf(c.type, c.data);
    const current = key ? this.store.get(key) : undefined;
    if (c.baseVersion !== undefined && (current?.version ?? 0) !== c.baseVersion) {
      throw new ConflictSignal({
        code: ErrorCode.CONFLICT, message: `${key} has changed since version ${c.baseVersion}`,
        current: current?.value ?? null, currentVersion: current?.version ?? 0,
      });
    }
    const seq = this.log.lastSeq + 1;
    const next = key === null ? undefined
      : reduce ? reduce(c, current?.value, seq, now)
      : reduceState(c.type, current?.value, c.data, { ts: now, from: c.from, seq });
    const { event, wire } = this.log.append(c.type, c.data, c.from, key, now);
    if (key !== null) this.store.set(key, next, event.seq, now);
    wires.push(wire);
    return event;
  }
}
