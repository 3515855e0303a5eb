import { env, evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { expect } from "vitest";
import type { DreamsState, EventType } from "../../protocol/index.js";
import type { Frame, TestClient } from "./helpers.js";

/** The user's hub stub. */
export const hub = (user: string) => {
  const ns = env.USER_HUB;
  return ns.get(ns.idFromName(user));
};

/**
 * Runs the next dream step as the runtime would: moves the `dream:run` job's due time to now
 * (the tests set DREAM_STEP_DELAY_MS to an hour, so steps never run by themselves) and runs the
 * alarm. Returns whether an alarm ran.
 */
export async function stepDream(user: string): Promise<boolean> {
  await runInDurableObject(hub(user), (_instance, state) => {
    state.storage.sql.exec("UPDATE jobs SET due = ? WHERE id = 'dream:run'", Date.now());
  });
  return runDurableObjectAlarm(hub(user));
}

/** The stored `dreams` state key (or undefined). */
export const dreamsOf = (user: string) => runInDurableObject(hub(user), (_i, state) => {
  const row = state.storage.sql.exec<{ value: string }>("SELECT value FROM state WHERE key = 'dreams'").toArray()[0];
  return row ? (JSON.parse(row.value) as DreamsState) : undefined;
});

/** The hub's jobs, by id, with their due times. */
export const jobsOf = (user: string) => runInDurableObject(hub(user), (_i, state) =>
  Object.fromEntries(state.storage.sql.exec<{ id: string; due: number; attempts: number }>("SELECT id, due, attempts FROM jobs").toArray().map((j) => [j.id, { due: j.due, attempts: j.attempts }])));

/** The log rows of some types, in seq order. */
export const eventsOf = (user: string, types: EventType[]) => runInDurableObject(hub(user), (_i, state) =>
  state.storage.sql.exec<{ seq: number; type: string; data: string; from_id: string }>(
    `SELECT seq, type, data, from_id FROM events WHERE type IN (${types.map(() => "?").join(",")}) ORDER BY seq`, ...types,
  ).toArray().map((r) => ({ seq: r.seq, type: r.type, data: JSON.parse(r.data) as Record<string, unknown>, from: r.from_id })));

export interface HistoryRow {
  type: EventType;
  ts: number;
  data: unknown;
  from?: string;
}

const STATE_KEY: Partial<Record<EventType, string>> = { LIMBIC_UPDATE: "limbic", CONVERGENCE_UPDATE: "convergence", POSTURE_CHANGE: "posture" };

/**
 * Writes a history straight into the log (with chosen timestamps, far faster than through the
 * API), plus optional state values, then evicts the object so it reloads its seq from storage.
 */
export async function insertHistory(user: string, rows: HistoryRow[], state: Record<string, unknown> = {}): Promise<number> {
  const last = await runInDurableObject(hub(user), (_i, s) => {
    const sql = s.storage.sql;
    let seq = lastSeqIn(sql);
    s.storage.transactionSync(() => {
      for (const r of rows) {
        seq += 1;
        sql.exec("INSERT INTO events (seq, type, ts, data, from_id, state_key) VALUES (?, ?, ?, ?, ?, ?)",
          seq, r.type, r.ts, JSON.stringify(r.data), r.from ?? "phone", STATE_KEY[r.type] ?? null);
      }
      for (const [key, value] of Object.entries(state)) {
        sql.exec("INSERT INTO state (key, value, version, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value, version = excluded.version",
          key, JSON.stringify(value), seq, Date.now());
      }
    });
    return seq;
  });
  await evictDurableObject(hub(user));
  return last;
}

/** The user's latest seq, from storage. */
export const lastSeqOf = (user: string) => runInDurableObject(hub(user), (_i, state) => lastSeqIn(state.storage.sql));

/** The latest seq as the log reads it when it opens: the highest row, else what pruning or an older version left in `_meta`. */
function lastSeqIn(sql: SqlStorage): number {
  return sql.exec<{ s: number }>(
    "SELECT MAX(COALESCE((SELECT MAX(seq) FROM events), 0), COALESCE((SELECT MAX(value) FROM _meta WHERE key IN ('last_seq', 'pruned_through')), 0)) AS s",
  ).one().s;
}

/** Reads a client's frames until it has seen the event with seq `seq`; returns the frames read. */
export async function readThrough(client: TestClient, seq: number, timeoutMs = 5000): Promise<Frame[]> {
  const out: Frame[] = [];
  for (;;) {
    const f = await client.next(undefined, timeoutMs);
    out.push(f);
    if (typeof f.seq === "number" && f.seq >= seq) return out;
  }
}

/** Steps the dream job until `client` has seen an event of type `until`; returns the frames seen. */
export async function stepUntil(user: string, client: TestClient, until: string, maxSteps = 200): Promise<{ frames: Frame[]; steps: number }> {
  const frames: Frame[] = [];
  for (let steps = 1; steps <= maxSteps; steps++) {
    const before = await lastSeqOf(user);
    expect(await stepDream(user)).toBe(true);
    const after = await lastSeqOf(user);
    if (after > before) frames.push(...await readThrough(client, after));
    if (frames.some((f) => f.type === until)) return { frames, steps };
  }
  throw new Error(`no ${until} after ${maxSteps} steps; saw ${JSON.stringify(frames.slice(-5))}`);
}
