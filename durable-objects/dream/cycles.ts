import {
  DREAM_QUEUE_LIMIT, ErrorCode, LIMBIC_DEFAULTS, Limbic, reduceState,
  type CurrentCycle, type DreamPhase, type DreamQueuedData, type DreamReport, type DreamScheduleData, type DreamStartData, type DreamTrigger,
  type Insight, type NerveEvent, type QueuedCycle,
} from "../../protocol/index.js";
import type { HubError } from "../../common/hub-rpc.js";
import { log } from "../../common/log.js";
import type { Job, JobOutcome } from "../scheduler.js";
import { DREAM_SOURCE, feed, patternsOf, startAccumulator } from "./consolidate.js";
import { DREAM_EVENT_TYPES, readDreams, reduceDreams } from "./dreams-state.js";
import { postToProcessor } from "./processor.js";
import { boundInsights, buildReport, processorPayload } from "./report.js";
import { nextNightlyAt, resolveSchedule } from "./schedule.js";
import { WindowReader } from "./window-reader.js";
import type { WriteVia } from "../hub/writer.js";
import type { DreamAnswer, DreamCommit, DreamDeps } from "./types.js";
import { WorkStore, type Work } from "./work-store.js";

/** The job that runs the cycle steps, and the one that queues the nightly cycle. */
export const RUN_JOB = "dream:run";
export const NIGHTLY_JOB = "dream:nightly";
export const SCHEDULE_SOURCE = "schedule";

export type { DreamDeps, DreamRequest, DreamResultRequest } from "./types.js";

const HOUR_MS = 3_600_000;
/** Decay moves arousal and valence this share of the way toward 0.5. */
export const DECAY_RATE = 0.2;

const refusal = (code: ErrorCode, message: string): HubError => ({ error: { code, message } });

/** Decay toward 0.5, rounded to 6 decimals so repeated values read cleanly. */
export const decayed = (x: number) => Math.round((x + (0.5 - x) * DECAY_RATE) * 1e6) / 1e6;

/**
 * Dream cycles of one user: the queue, the nightly schedule and the steps of the running cycle.
 * Every step is one alarm and writes its event and its working state in one transaction, so a
 * repeated alarm or an eviction never applies a step twice and resumes from the saved cursor.
 */
export class DreamCycles {
  private readonly work: WorkStore;
  private readonly reader: WindowReader;

  constructor(private readonly deps: DreamDeps) {
    this.work = new WorkStore(deps.sql);
    this.reader = new WindowReader(deps.sql);
  }

  private dreams() {
    return readDreams(this.deps.readState("dreams"));
  }

  private get soon(): number {
    return Date.now() + this.deps.config.stepDelayMs;
  }

  /**
   * Commits events with the dream reducer. The working state is saved (or, with `work: null`,
   * cleared) inside the same transaction, beside what the caller records there (`via.alsoWrite`).
   */
  private async write(commits: DreamCommit[], options: { work?: Work | null; via?: WriteVia } = {}): Promise<NerveEvent[]> {
    const { work } = options;
    const outcome = await this.deps.commit(commits, {
      reduce: (c, current, seq, ts) => DREAM_EVENT_TYPES.has(c.type)
        ? reduceDreams(current, c.type, c.data, { ts, from: c.from })
        : reduceState(c.type, current, c.data, { ts, from: c.from, seq }),
      exclude: options.via?.exclude,
      alsoWrite: (events) => {
        if (work !== undefined) {
          this.work.clear(work?.cycleId);
          if (work) this.work.save(work);
        }
        options.via?.alsoWrite?.(events);
      },
    });
    if (!outcome.ok) throw new Error(`dream commit refused: ${outcome.error.message}`);
    return outcome.events;
  }

  // ------------------------------------------------------------ requests

  /** Queues a cycle. Refused with QUEUE_FULL when DREAM_QUEUE_LIMIT cycles already wait. */
  async start(req: DreamStartData, trigger: DreamTrigger, by: string, via?: WriteVia): Promise<DreamAnswer<{ cycleId: string; seq: number }>> {
    const s = this.dreams();
    if (s.queue.length >= DREAM_QUEUE_LIMIT) {
      return refusal(ErrorCode.QUEUE_FULL, `${s.queue.length} dream cycles are already waiting (limit ${DREAM_QUEUE_LIMIT}); cancel one or wait`);
    }
    const cycleId = `dc-${crypto.randomUUID()}`;
    const data: DreamQueuedData = { cycleId, windowHours: req.windowHours ?? 24, ...(req.note !== undefined ? { note: req.note } : {}), trigger, position: s.queue.length + 1 };
    const [event] = await this.write([{ type: "DREAM_QUEUED", data, from: by }], { via });
    if (!s.current) await this.deps.schedule(RUN_JOB, this.soon, true);
    return { cycleId, seq: event!.seq };
  }

  /** Cancels a queued or running cycle. */
  async cancel(cycleId: string, by: string, via?: WriteVia): Promise<DreamAnswer<{ seq: number }>> {
    const s = this.dreams();
    const running = s.current?.cycleId === cycleId;
    if (!running && !s.queue.some((q) => q.cycleId === cycleId)) return refusal(ErrorCode.NOT_FOUND, `no queued or running dream cycle ${cycleId}`);
    const [event] = await this.write([{ type: "DREAM_CANCELLED", data: { cycleId, wasRunning: running }, from: by }], { via, ...(running ? { work: null } : {}) });
    if (running) await this.next();
    return { seq: event!.seq };
  }

  /** Sets, moves, enables or disables the nightly schedule. */
  async setSchedule(data: DreamScheduleData, by: string, via?: WriteVia): Promise<DreamAnswer<{ seq: number; nextAt: number | null }>> {
    const settings = resolveSchedule(data, this.dreams().schedule);
    const nextAt = settings.enabled ? nextNightlyAt(Date.now(), settings) : null;
    const [event] = await this.write([{ type: "DREAM_SCHEDULE", data: { ...settings, nextAt }, from: by }], { via });
    if (nextAt === null) await this.deps.cancelJob(NIGHTLY_JOB);
    else await this.deps.schedule(NIGHTLY_JOB, nextAt, false);
    return { seq: event!.seq, nextAt };
  }

  /** The external processor's answer for the running cycle: finishes it with the answer in its report. */
  async externalResult(cycleId: string, insights: Insight[], via?: WriteVia): Promise<DreamAnswer<{ seq: number }>> {
    const s = this.dreams();
    const work = s.current?.cycleId === cycleId ? this.work.get(cycleId) : undefined;
    // An unknown cycle is one more cycle not waiting for a result: 409, as docs/protocol.md 13.2 says.
    if (!work) return refusal(ErrorCode.CONFLICT, `dream cycle ${cycleId} is not waiting for a processor result`);
    // "processor" too: a fast processor may answer before its HTTP answer to our request reaches us.
    if (work.step !== "awaiting" && work.step !== "processor") return refusal(ErrorCode.CONFLICT, `dream cycle ${cycleId} is not waiting for a processor result`);
    const kept = boundInsights(insights, work.notes);
    const seq = await this.finish(work, { status: "answered", insights: kept, at: Date.now() }, via);
    await this.next();
    return { seq };
  }

  /** After a cycle ends: start the next one soon, or stop the job. */
  private async next(): Promise<void> {
    if (this.dreams().queue.length > 0) await this.deps.schedule(RUN_JOB, this.soon, false);
    else await this.deps.cancelJob(RUN_JOB);
  }

  // ------------------------------------------------------------ alarm

  /** The `dream` job kind: runs one step and says when to run again. */
  async runJob(job: Job, now: number): Promise<JobOutcome> {
    if (job.id === NIGHTLY_JOB) return this.runNightly(now);
    if (job.id !== RUN_JOB) {
      log("error", "dream: unknown job dropped", { hub: this.deps.userId() ?? undefined, job: job.id });
      return null;
    }
    const s = this.dreams();
    const cycleId = s.current?.cycleId ?? s.queue[0]?.cycleId;
    if (cycleId === undefined) return null;
    const phase = this.attemptedPhase(s.current);
    try {
      return await this.step(now);
    } catch (err) {
      if (job.attempts + 1 < this.deps.config.maxTries) throw err; // the scheduler retries with backoff
      const message = err instanceof Error ? err.message : String(err);
      log("error", "dream: cycle failed", { hub: this.deps.userId() ?? undefined, cycleId, tries: job.attempts + 1 }, err);
      await this.write([{ type: "DREAM_FAILED", data: { cycleId, phase, error: message.slice(0, 500) }, from: DREAM_SOURCE }], { work: null });
      return this.dreams().queue.length > 0 ? this.soon : null;
    }
  }

  /** The phase the next step works on, for DREAM_FAILED: decay for a cycle not started yet. */
  private attemptedPhase(current: CurrentCycle | null): DreamPhase {
    if (!current) return "decay";
    try {
      const step = this.work.get(current.cycleId)?.step;
      return step === "consolidate" || step === "patterns" ? step : step === "processor" || step === "awaiting" ? "processor" : current.phase;
    } catch {
      return current.phase;
    }
  }

  /** One step of the running cycle (or the start of the next). Returns when to run again. */
  private async step(now: number): Promise<JobOutcome> {
    const s = this.dreams();
    if (!s.current) {
      const head = s.queue[0];
      if (!head) return null;
      await this.begin(head, now);
      return this.soon;
    }
    const work = this.work.get(s.current.cycleId);
    if (!work) throw new Error(`the working state of cycle ${s.current.cycleId} is missing`);
    switch (work.step) {
      case "consolidate":
        await this.consolidate(work);
        return this.soon;
      case "patterns":
        work.insights = patternsOf(work.acc);
        work.step = this.deps.config.processorUrl ? "processor" : "result";
        await this.progress(work, "patterns", 1, 1);
        return this.soon;
      case "processor":
        return this.sendToProcessor(work, now);
      case "awaiting":
        if (work.deadline !== null && now < work.deadline) return work.deadline;
        work.notes.push(`the dream processor did not answer within ${this.deps.config.processorTimeoutMs} ms; this is the built-in report`);
        await this.finish(work, { status: "timeout", at: now });
        return this.dreams().queue.length > 0 ? this.soon : null;
      case "result":
        await this.finish(work);
        return this.dreams().queue.length > 0 ? this.soon : null;
      default:
        throw new Error(`dream cycle ${work.cycleId} is at an unknown step`);
    }
  }

  /** Starts the head of the queue with its first phase, decay, as a real LIMBIC_UPDATE from "dream". */
  private async begin(q: QueuedCycle, now: number): Promise<void> {
    const endSeq = this.deps.lastSeq();
    const fromTs = now - q.windowHours * HOUR_MS;
    const cursor = this.reader.startCursor(fromTs, endSeq);
    const parsed = Limbic.safeParse({ ...LIMBIC_DEFAULTS, ...(this.deps.readState("limbic") as object | undefined) });
    const limbic = parsed.success ? parsed.data : LIMBIC_DEFAULTS;
    const decay = {
      arousal: { from: limbic.arousal, to: decayed(limbic.arousal) },
      valence: { from: limbic.valence, to: decayed(limbic.valence) },
    };
    const work: Work = {
      cycleId: q.cycleId, step: "consolidate", windowHours: q.windowHours, fromTs, toTs: now, endSeq, cursor,
      total: this.reader.count(cursor, endSeq, fromTs), processed: 0,
      acc: startAccumulator(this.reader.baseline(fromTs, now, cursor)),
      decay, insights: [], deadline: null, notes: [],
    };
    await this.write([
      { type: "LIMBIC_UPDATE", data: { arousal: decay.arousal.to, valence: decay.valence.to }, from: DREAM_SOURCE },
      { type: "DREAM_PROGRESS", data: { cycleId: q.cycleId, phase: "decay", processed: 1, total: 1 }, from: DREAM_SOURCE },
    ], { work });
  }

  /** One bounded chunk of the window: at most `chunkSize` log rows. */
  private async consolidate(work: Work): Promise<void> {
    const through = Math.min(work.cursor + this.deps.config.chunkSize, work.endSeq);
    const events = this.reader.chunk(work.cursor, through, work.fromTs);
    feed(work.acc, events);
    work.cursor = through;
    work.processed += events.length;
    if (through >= work.endSeq) {
      work.step = "patterns";
      if (work.processed < work.total) work.notes.push(`${work.total - work.processed} window events were pruned from the log before they were read`);
    }
    await this.progress(work, "consolidate", work.processed, work.total);
  }

  private async progress(work: Work, phase: DreamPhase, processed: number, total: number): Promise<void> {
    await this.write([{ type: "DREAM_PROGRESS", data: { cycleId: work.cycleId, phase, processed, total }, from: DREAM_SOURCE }], { work });
  }

  /** POSTs the signed summary; the answer comes back through `externalResult`, or the deadline passes. */
  private async sendToProcessor(work: Work, now: number): Promise<JobOutcome> {
    const { processorUrl, processorSecret, processorTimeoutMs } = this.deps.config;
    const userId = this.deps.userId();
    if (!processorUrl || !processorSecret || !userId) {
      work.notes.push(`the dream processor was skipped: ${!processorUrl ? "no DREAM_PROCESSOR_URL" : !processorSecret ? "no DREAM_PROCESSOR_SECRET or JWT_SECRET" : "the user id is unknown"}`);
      work.step = "result";
      await this.progress(work, "processor", 1, 1);
      return this.soon;
    }
    work.deadline = now + processorTimeoutMs;
    await postToProcessor(this.deps.fetch, processorUrl, processorSecret, processorPayload(userId, work), now);
    // The request left the object (the input gate was open): the cycle may have been cancelled meanwhile.
    if (this.dreams().current?.cycleId !== work.cycleId || this.work.get(work.cycleId)?.step !== "processor") return this.soon;
    work.step = "awaiting";
    await this.progress(work, "processor", 0, 1);
    return work.deadline;
  }

  /** DREAM_RESULT with the report; the working state goes in the same transaction. */
  private async finish(work: Work, processor?: DreamReport["processor"], via?: WriteVia): Promise<number> {
    const report = buildReport(work, processor);
    const [event] = await this.write([{ type: "DREAM_RESULT", data: { cycleId: work.cycleId, report }, from: DREAM_SOURCE }], { work: null, via });
    return event!.seq;
  }

  /** Queues the nightly cycle, once per night however often the alarm repeats. */
  private async runNightly(now: number): Promise<JobOutcome> {
    const s = this.dreams();
    const schedule = s.schedule;
    if (!schedule?.enabled) return null;
    if (schedule.nextAt !== null && schedule.nextAt > now) return schedule.nextAt; // this night's cycle is already queued
    const nextAt = nextNightlyAt(now, schedule);
    if (s.queue.length >= DREAM_QUEUE_LIMIT) {
      log("warn", "dream: nightly cycle skipped", { hub: this.deps.userId() ?? undefined, waiting: s.queue.length });
      await this.write([{ type: "DREAM_SCHEDULE", data: { ...schedule, nextAt }, from: SCHEDULE_SOURCE }]);
      return nextAt;
    }
    const data: DreamQueuedData = { cycleId: `dc-${crypto.randomUUID()}`, windowHours: schedule.windowHours, trigger: "schedule", position: s.queue.length + 1, nextAt };
    await this.write([{ type: "DREAM_QUEUED", data, from: SCHEDULE_SOURCE }]);
    if (!s.current) await this.deps.schedule(RUN_JOB, this.soon, true);
    return nextAt;
  }
}
