import type { BroadcastStatus } from "../../protocol/index.js";
import type { DeliveryOutcome, LedgerCreate } from "../../common/broadcast.js";

/** Failed users listed in a status answer; the counters cover them all. */
export const MAX_LISTED_FAILURES = 100;

const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS broadcast (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    broadcast_id TEXT NOT NULL, fingerprint TEXT NOT NULL, service TEXT NOT NULL, type TEXT NOT NULL, segment TEXT,
    total INTEGER NOT NULL, batches INTEGER NOT NULL, enqueued INTEGER NOT NULL DEFAULT 0,
    applied INTEGER NOT NULL DEFAULT 0, failed INTEGER NOT NULL DEFAULT 0, retrying INTEGER NOT NULL DEFAULT 0,
    duplicates INTEGER NOT NULL DEFAULT 0, hub_calls INTEGER NOT NULL DEFAULT 0, devices_reached INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL, completed_at INTEGER
  )`,
  // One row per user once a delivery reported on it: what makes a redelivered message count once.
  `CREATE TABLE IF NOT EXISTS users (user_id TEXT PRIMARY KEY, outcome TEXT NOT NULL, code TEXT, message TEXT) WITHOUT ROWID`,
];

type Row = {
  broadcast_id: string; fingerprint: string; service: string; type: string; segment: string | null;
  total: number; batches: number; enqueued: number; applied: number; failed: number; retrying: number;
  duplicates: number; hub_calls: number; devices_reached: number; created_at: number; completed_at: number | null;
};

type Outcome = DeliveryOutcome["outcome"];

/**
 * A broadcast's progress in its ledger's SQLite: the request, counters, and each user's last
 * outcome. `applied` is final; `failed` only gives way to `applied` (a late redelivery that got
 * through); `retrying` to either. Counters move only on a change of a user's outcome, so a
 * message delivered twice counts its users once.
 */
export class LedgerStore {
  constructor(private readonly sql: SqlStorage) {}

  /**
   * The broadcast's row. The tables are made by `create` only: a status read of an unknown id
   * writes nothing, so it leaves no database behind to be billed.
   */
  private row(): Row | undefined {
    const exists = this.sql.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'broadcast'").toArray().length > 0;
    return exists ? this.sql.exec<Row>("SELECT * FROM broadcast WHERE id = 1").toArray()[0] : undefined;
  }

  create(req: LedgerCreate): "created" | "existing" | "reused" {
    const row = this.row();
    if (row) return row.fingerprint === req.fingerprint && row.service === req.service ? "existing" : "reused";
    for (const statement of SCHEMA) this.sql.exec(statement);
    this.sql.exec(
      "INSERT INTO broadcast (id, broadcast_id, fingerprint, service, type, segment, total, batches, created_at) VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?)",
      req.broadcastId, req.fingerprint, req.service, req.type, req.segment ?? null, req.total, req.batches, req.now,
    );
    return "created";
  }

  enqueued(now: number): void {
    if (!this.row()) return;
    this.sql.exec("UPDATE broadcast SET enqueued = 1 WHERE id = 1");
    this.complete(now);
  }

  record(outcomes: readonly DeliveryOutcome[], hubCalls: number, now: number): void {
    if (!this.row()) return;
    const delta = { applied: 0, failed: 0, retrying: 0, duplicates: 0, devices: 0 };
    const move = (from: Outcome | undefined, to: Outcome) => {
      if (from) delta[from]--;
      delta[to]++;
    };
    for (const o of outcomes) {
      if (o.outcome === "applied" && o.duplicate) delta.duplicates++;
      const prev = this.sql.exec<{ outcome: Outcome }>("SELECT outcome FROM users WHERE user_id = ?", o.userId).toArray()[0]?.outcome;
      if (prev === o.outcome && o.outcome !== "retrying") continue;
      if (prev === "applied" || (prev === "failed" && o.outcome === "retrying")) continue;
      if (prev !== o.outcome) move(prev, o.outcome);
      if (o.outcome === "applied") {
        if (!o.duplicate) delta.devices += o.delivered;
        this.sql.exec("INSERT OR REPLACE INTO users (user_id, outcome, code, message) VALUES (?, 'applied', NULL, NULL)", o.userId);
      } else {
        this.sql.exec("INSERT OR REPLACE INTO users (user_id, outcome, code, message) VALUES (?, ?, ?, ?)", o.userId, o.outcome, o.code, o.message.slice(0, 300));
      }
    }
    this.sql.exec(
      `UPDATE broadcast SET applied = applied + ?, failed = failed + ?, retrying = retrying + ?, duplicates = duplicates + ?,
        devices_reached = devices_reached + ?, hub_calls = hub_calls + ? WHERE id = 1`,
      delta.applied, delta.failed, delta.retrying, delta.duplicates, delta.devices, hubCalls,
    );
    this.complete(now);
  }

  /** Marks the broadcast done once it is all on the queue and every user is applied or failed. */
  private complete(now: number): void {
    this.sql.exec("UPDATE broadcast SET completed_at = ? WHERE id = 1 AND completed_at IS NULL AND enqueued = 1 AND applied + failed >= total", now);
  }

  status(service: string): BroadcastStatus | null {
    const row = this.row();
    if (!row || row.service !== service) return null;
    const failures = this.sql.exec<{ user_id: string; code: string; message: string }>(
      "SELECT user_id, code, message FROM users WHERE outcome = 'failed' LIMIT ?", MAX_LISTED_FAILURES,
    ).toArray().map((f) => ({ userId: f.user_id, code: f.code, message: f.message }));
    return {
      broadcastId: row.broadcast_id,
      type: row.type,
      ...(row.segment !== null ? { segment: row.segment } : {}),
      state: row.completed_at !== null ? "done" : row.enqueued ? "delivering" : "enqueuing",
      total: row.total,
      batches: row.batches,
      applied: row.applied,
      failed: row.failed,
      retrying: row.retrying,
      pending: row.total - row.applied - row.failed,
      duplicates: row.duplicates,
      hubCalls: row.hub_calls,
      devicesReached: row.devices_reached,
      createdAt: row.created_at,
      ...(row.completed_at !== null ? { completedAt: row.completed_at } : {}),
      failures,
    };
  }
}
