import type { Insight } from "../../protocol/index.js";
import type { Accumulator } from "./consolidate.js";

/** Where the running cycle is, in the runner's own terms (finer than the public phase). */
export const STEPS = ["consolidate", "patterns", "processor", "awaiting", "result"] as const;
export type Step = (typeof STEPS)[number];

/** The running cycle's private working state: cursor, accumulator, results so far. */
export interface Work {
  cycleId: string;
  step: Step;
  windowHours: number;
  fromTs: number;
  toTs: number;
  /** The last seq the window holds (the log's last seq when the cycle started). */
  endSeq: number;
  /** Every seq up to this one has been consolidated. */
  cursor: number;
  total: number;
  processed: number;
  acc: Accumulator;
  decay: { arousal: { from: number; to: number }; valence: { from: number; to: number } };
  insights: Insight[];
  /** When the external processor's answer is due (step "awaiting"). */
  deadline: number | null;
  notes: string[];
}

/**
 * The running cycle's work in its own table. Written inside the commit transaction of the event
 * that reports the step, so the cursor and the event move together or not at all.
 */
export class WorkStore {
  /** The `dream_work` table comes from the hub's migrations (schema.ts). */
  constructor(private readonly sql: SqlStorage) {}

  /** The saved work of a cycle; throws when it is there but malformed, so the step fails and is retried. */
  get(cycleId: string): Work | undefined {
    const row = this.sql.exec<{ work: string }>("SELECT work FROM dream_work WHERE cycle_id = ?", cycleId).toArray()[0];
    if (!row) return undefined;
    const work = JSON.parse(row.work) as Partial<Work>;
    if (work.cycleId !== cycleId || !STEPS.includes(work.step as Step) || typeof work.cursor !== "number" || typeof work.acc !== "object" || work.acc === null) {
      throw new Error(`the saved work of dream cycle ${cycleId} is malformed`);
    }
    return work as Work;
  }

  save(work: Work): void {
    this.sql.exec(
      "INSERT INTO dream_work (cycle_id, work) VALUES (?, ?) ON CONFLICT(cycle_id) DO UPDATE SET work = excluded.work",
      work.cycleId, JSON.stringify(work),
    );
  }

  /** Drops every work row but `keep`'s: a finished, failed or cancelled cycle leaves nothing behind. */
  clear(keep?: string): void {
    this.sql.exec("DELETE FROM dream_work WHERE cycle_id != ?", keep ?? "");
  }
}
