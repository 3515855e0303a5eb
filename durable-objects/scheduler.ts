import { log } from "../common/log.js";

/** A due job: an id whose prefix names its kind (`prune`, `sweep`, `dream:<cycleId>`), and an optional payload. */
export interface Job {
  id: string;
  due: number;
  attempts: number;
  payload: unknown;
}

/** What a job handler returns: when to run again (ms since epoch), or null when done. */
export type JobOutcome = number | null;
export type JobHandler = (job: Job, now: number) => JobOutcome | Promise<JobOutcome>;

interface JobRow extends Record<string, SqlStorageValue> {
  id: string;
  due: number;
  attempts: number;
  payload: string | null;
}

/** Backoff for a failed job: 1 s, 2 s, 4 s ... capped at 5 minutes. */
export function retryDelay(attempts: number): number {
  return Math.min(300_000, 1000 * 2 ** Math.max(0, attempts - 1));
}

/**
 * Many due jobs over the Durable Object's single alarm. Jobs live in SQLite; the alarm is kept at
 * the earliest due time, and set only when that changes, so scheduling is cheap.
 */
export class Scheduler {
  private alarmAt: number | null;

  constructor(private readonly sql: SqlStorage, private readonly storage: DurableObjectStorage) {
    this.alarmAt = this.earliest();
  }

  private earliest(): number | null {
    return this.sql.exec<{ due: number | null }>("SELECT MIN(due) AS due FROM jobs").one().due ?? null;
  }

  get(id: string): Job | undefined {
    const row = this.sql.exec<JobRow>("SELECT * FROM jobs WHERE id = ?", id).toArray()[0];
    return row ? { id: row.id, due: row.due, attempts: row.attempts, payload: row.payload === null ? null : JSON.parse(row.payload) } : undefined;
  }

  /** Schedules (or moves) a job. With `onlyIfEarlier`, an existing earlier due time is kept. */
  async schedule(id: string, due: number, options: { payload?: unknown; onlyIfEarlier?: boolean } = {}): Promise<void> {
    const existing = this.get(id);
    if (existing && options.onlyIfEarlier && existing.due <= due) return;
    this.sql.exec(
      "INSERT INTO jobs (id, due, attempts, payload) VALUES (?, ?, 0, ?) ON CONFLICT(id) DO UPDATE SET due = excluded.due, payload = COALESCE(excluded.payload, jobs.payload)",
      id, due, options.payload === undefined ? null : JSON.stringify(options.payload),
    );
    await this.syncAlarm();
  }

  async cancel(id: string): Promise<void> {
    this.sql.exec("DELETE FROM jobs WHERE id = ?", id);
    await this.syncAlarm();
  }

  /** Sets the alarm to the earliest due job, or deletes it when there is none. */
  async syncAlarm(force = false): Promise<void> {
    const next = this.earliest();
    if (!force && next === this.alarmAt) return;
    this.alarmAt = next;
    if (next === null) await this.storage.deleteAlarm();
    else await this.storage.setAlarm(next);
  }

  /**
   * Runs every job due by `now`, each with its handler by kind (the id up to the first `:`).
   * A handler that throws is retried with backoff; one job's failure never stops the others.
   */
  async runDue(now: number, handlers: Record<string, JobHandler>): Promise<void> {
    const due = this.sql.exec<JobRow>("SELECT * FROM jobs WHERE due <= ? ORDER BY due", now).toArray();
    for (const row of due) {
      const job: Job = { id: row.id, due: row.due, attempts: row.attempts, payload: row.payload === null ? null : JSON.parse(row.payload) };
      const handler = handlers[job.id.split(":")[0]!];
      let next: JobOutcome;
      try {
        if (!handler) throw new Error(`no handler for job ${job.id}`);
        next = await handler(job, now);
        if (this.get(job.id)?.due !== job.due) continue; // the handler rescheduled or removed it itself
        if (next === null) this.sql.exec("DELETE FROM jobs WHERE id = ?", job.id);
        else this.sql.exec("UPDATE jobs SET due = ?, attempts = 0 WHERE id = ?", next, job.id);
      } catch (err) {
        log("error", "UserHub job failed", { job: job.id, attempt: job.attempts + 1 }, err);
        this.sql.exec("UPDATE jobs SET due = ?, attempts = attempts + 1 WHERE id = ?", now + retryDelay(job.attempts + 1), job.id);
      }
    }
    // The alarm that woke us is spent; always set the next one.
    await this.syncAlarm(true);
  }
}
