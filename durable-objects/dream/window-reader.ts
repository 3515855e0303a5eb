import type { EventType, NerveEvent, PostureName } from "../../protocol/index.js";
import { ConvergenceUpdateData, PostureChangeData } from "../../protocol/index.js";
import { WINDOW_TYPES, type Baseline } from "./consolidate.js";

interface Row extends Record<string, SqlStorageValue> {
  seq: number;
  type: string;
  ts: number;
  data: string;
  from_id: string;
}

const marks = WINDOW_TYPES.map(() => "?").join(",");

/**
 * Read-only access to the event log for a dream cycle's window. Chunks are rowid ranges of at
 * most `chunkSize` seqs, so one read is bounded whatever the window holds; the type and time
 * filters apply within it (`+ts` keeps SQLite on the rowid range instead of the ts index).
 */
export class WindowReader {
  constructor(private readonly sql: SqlStorage) {}

  /** The seq just before the first event at or after `fromTs`, up to `endSeq`: where a scan starts. */
  startCursor(fromTs: number, endSeq: number): number {
    const first = this.sql.exec<{ s: number | null }>("SELECT MIN(seq) AS s FROM events WHERE ts >= ? AND seq <= ?", fromTs, endSeq).one().s;
    return first === null ? endSeq : first - 1;
  }

  /** How many window events (limbic, convergence, posture) lie in (afterSeq, endSeq]. */
  count(afterSeq: number, endSeq: number, fromTs: number): number {
    return this.sql.exec<{ n: number }>(
      `SELECT COUNT(*) AS n FROM events WHERE seq > ? AND seq <= ? AND +ts >= ? AND type IN (${marks})`,
      afterSeq, endSeq, fromTs, ...WINDOW_TYPES,
    ).one().n;
  }

  /** The window events with seq in (afterSeq, throughSeq], in seq order. */
  chunk(afterSeq: number, throughSeq: number, fromTs: number): NerveEvent[] {
    return this.sql.exec<Row>(
      `SELECT seq, type, ts, data, from_id FROM events WHERE seq > ? AND seq <= ? AND +ts >= ? AND type IN (${marks}) ORDER BY seq`,
      afterSeq, throughSeq, fromTs, ...WINDOW_TYPES,
    ).toArray().map((r) => ({ type: r.type as EventType, seq: r.seq, ts: r.ts, data: JSON.parse(r.data), from: r.from_id }));
  }

  /** The data of the last event of `type` before seq `beforeSeq`, if the log still holds one. */
  private lastBefore(type: EventType, beforeSeq: number, where = ""): unknown {
    const row = this.sql.exec<{ data: string }>(
      `SELECT data FROM events WHERE seq < ? AND type = ? ${where} ORDER BY seq DESC LIMIT 1`, beforeSeq, type,
    ).toArray()[0];
    return row ? JSON.parse(row.data) : undefined;
  }

  /**
   * The values in effect when the window starts: the last posture and convergence progress
   * before it. Unknown when the log no longer holds them: posture null, progress 0 (the default).
   */
  baseline(fromTs: number, toTs: number, startCursor: number): Baseline {
    const posture = PostureChangeData.safeParse(this.lastBefore("POSTURE_CHANGE", startCursor + 1));
    const progress = ConvergenceUpdateData.safeParse(this.lastBefore("CONVERGENCE_UPDATE", startCursor + 1, "AND json_extract(data, '$.progress') IS NOT NULL"));
    const completed = ConvergenceUpdateData.safeParse(this.lastBefore("CONVERGENCE_UPDATE", startCursor + 1, "AND json_extract(data, '$.completed') IS NOT NULL"));
    return {
      fromTs,
      toTs,
      posture: posture.success ? (posture.data.posture as PostureName) : null,
      progress: progress.success ? (progress.data.progress ?? 0) : 0,
      completed: completed.success ? (completed.data.completed ?? false) : false,
    };
  }
}
