import type { DreamReport, Insight } from "../../protocol/index.js";
import { summarize, type Summary } from "./consolidate.js";
import type { Work } from "./work-store.js";

/** External insights kept in a report, and the length of their text: 20 reports live in one state key. */
export const MAX_EXTERNAL_INSIGHTS = 20;
export const MAX_EXTERNAL_DETAIL = 500;

/** Bounds an external processor's insights for storage; says so in `notes` when it cut. */
export function boundInsights(insights: readonly Insight[], notes: string[]): Insight[] {
  const kept = insights.slice(0, MAX_EXTERNAL_INSIGHTS).map((i) => ({
    ...i,
    ...(i.detail !== undefined ? { detail: i.detail.slice(0, MAX_EXTERNAL_DETAIL) } : {}),
    ...(i.evidence !== undefined ? { evidence: i.evidence.slice(0, 20) } : {}),
  }));
  if (insights.length > kept.length || insights.some((i) => (i.detail?.length ?? 0) > MAX_EXTERNAL_DETAIL || (i.evidence?.length ?? 0) > 20)) {
    notes.push(`the processor's answer was trimmed to ${MAX_EXTERNAL_INSIGHTS} insights of at most ${MAX_EXTERNAL_DETAIL} characters`);
  }
  return kept;
}

/** The summary a cycle sends to the external processor. */
export function processorPayload(userId: string, work: Work, summary: Summary = summarize(work.acc)) {
  return {
    userId,
    cycleId: work.cycleId,
    window: { from: work.fromTs, to: work.toTs, hours: work.windowHours },
    events: { total: work.total, processed: work.processed },
    summary,
    insights: work.insights,
    deadline: work.deadline,
  };
}

/**
 * What one report may hold: 20 built-in and 20 external insights (details of 500 characters, 20
 * evidence seqs), 10 notes of 300 characters, and 16 KiB in all (insights go, last first, until it
 * fits). The `dreams` key keeps 20 reports: at most 320 KiB of a user's MAX_STATE_BYTES.
 */
export const MAX_REPORT_BYTES = 16_384;
const MAX_NOTES = 10;
const MAX_NOTE_LENGTH = 300;

/** A report within MAX_REPORT_BYTES. Pure. */
export function boundReport(report: DreamReport): DreamReport {
  const notes: string[] = [];
  const r: DreamReport = {
    ...report,
    insights: boundInsights(report.insights, notes),
    ...(report.processor?.insights ? { processor: { ...report.processor, insights: boundInsights(report.processor.insights, notes) } } : {}),
  };
  r.notes = [...report.notes, ...notes].slice(0, MAX_NOTES).map((n) => n.slice(0, MAX_NOTE_LENGTH));
  while (JSON.stringify(r).length > MAX_REPORT_BYTES && (r.insights.length || r.processor?.insights?.length)) {
    if (r.processor?.insights?.length) r.processor = { ...r.processor, insights: r.processor.insights.slice(0, -1) };
    else r.insights = r.insights.slice(0, -1);
  }
  return r;
}

/** The report of a finished cycle, from its work and the processor's outcome, within MAX_REPORT_BYTES. Pure. */
export function buildReport(work: Work, processor?: DreamReport["processor"]): DreamReport {
  return boundReport(unboundedReport(work, processor));
}

function unboundedReport(work: Work, processor?: DreamReport["processor"]): DreamReport {
  const s = summarize(work.acc);
  return {
    cycleId: work.cycleId,
    window: { from: work.fromTs, to: work.toTs, hours: work.windowHours },
    events: { total: work.total, processed: work.processed, skipped: s.skipped },
    decay: work.decay,
    limbic: s.limbic,
    posture: s.posture,
    convergence: s.convergence,
    interactions: s.interactions,
    insights: work.insights,
    ...(processor ? { processor } : {}),
    notes: work.notes,
  };
}
