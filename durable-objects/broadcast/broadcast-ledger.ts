import { DurableObject } from "cloudflare:workers";
import type { BroadcastStatus } from "../../protocol/index.js";
import { LEDGER_RETENTION_MS, type DeliveryOutcome, type LedgerCreate, type LedgerRpc } from "../../common/broadcast.js";
import type { Env } from "../../common/env.js";
import { LedgerStore } from "./ledger-store.js";

/**
 * The progress of one broadcast (`POST /api/sync/broadcast`), one object per broadcast id.
 * One per broadcast, not one for all: each consumer invocation reports here once per message
 * (1,000 reports for 100,000 users), so concurrent broadcasts never share an object's 1,000
 * requests/s, and a finished broadcast erases itself whole (deleteAll) after LEDGER_RETENTION_MS.
 */
export class BroadcastLedger extends DurableObject<Env> implements LedgerRpc {
  private store: LedgerStore;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.store = new LedgerStore(ctx.storage.sql);
  }

  async create(req: LedgerCreate): Promise<"created" | "existing" | "reused"> {
    const result = this.store.create(req);
    if (result === "created") await this.ctx.storage.setAlarm(req.now + LEDGER_RETENTION_MS);
    return result;
  }

  async enqueued(now: number): Promise<void> {
    this.store.enqueued(now);
  }

  async record(outcomes: DeliveryOutcome[], hubCalls: number, now: number): Promise<void> {
    this.ctx.storage.transactionSync(() => this.store.record(outcomes, hubCalls, now));
  }

  async status(service: string): Promise<BroadcastStatus | null> {
    return this.store.status(service);
  }

  override async alarm(): Promise<void> {
    try {
      await this.ctx.storage.deleteAll();
      // The tables again, empty: a late report or status read finds no broadcast, not a missing table.
      this.store = new LedgerStore(this.ctx.storage.sql);
    } catch (err) {
      // Rethrown: the runtime retries the alarm with backoff.
      console.error("BroadcastLedger.alarm failed:", err);
      throw err;
    }
  }
}
