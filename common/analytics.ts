/**
 * The data points Nerve writes to Workers Analytics Engine (binding `ANALYTICS`, dataset
 * `nerve_metrics`), one layout per kind. docs/observability.md holds the queries that read them;
 * a column moved here must move there.
 *
 * Every point: `index1` = the user (AE samples per index, so a busy user cannot crowd out the
 * others, and "top users" is a GROUP BY on it), `blob1` = the kind, `blob2` = the user id in full.
 *
 * - `hub` (the hub, after each entry point that appended events and with each write of its
 *   counters' row): doubles = the deltas since the last point, in
 *   HUB_DOUBLES order, then two gauges (sockets held, storage bytes).
 * - `refusal` (the hub for frames and service writes; the Worker for HTTP answers it refused
 *   itself): blob3 = error code, blob4 = source (`client`, `service`, `http`), blob5 = route;
 *   double1 = how many.
 * - `connect` (the Worker, per `/ws` upgrade): blob3 = outcome (`accepted`, or the close code),
 *   blob4 = `resumed` | `full`; double1 = ms from the Worker's hand-over to the hub's 101 (the whole
 *   catch-up is queued by then), double2 = catch-up events, double3 = catch-up bytes.
 */

/** The `hub` point's doubles, in order (double1 = eventsIn ...). */
export const HUB_DOUBLES = [
  "eventsIn", "eventsOut", "bytesIn", "bytesOut", "catchUps", "catchUpEvents", "catchUpBytes", "catchUpMs",
  "dedupHits", "refusals", "alarms", "wakes", "socketsOpened", "socketsClosed",
] as const;
export type HubDeltas = Record<(typeof HUB_DOUBLES)[number], number>;

export type RefusalSource = "client" | "service" | "http";

/** What a data point is, as the binding takes it (`AnalyticsEngineDataPoint`). */
export interface DataPoint {
  indexes: string[];
  blobs: string[];
  doubles: number[];
}

/** AE's limit on an index; a longer user id (ids go to 128) is cut and tagged with its hash. */
const MAX_INDEX_BYTES = 96;

/** FNV-1a, 32 bits, hex: a stable short tag for an id too long for an index. */
function fnv1a(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, "0");
}

/**
 * The index of a user's points: the id itself when it fits (ids are ASCII), else its head and a hash.
 * @example indexOf("alice") // "alice"
 */
export function indexOf(userId: string): string {
  return userId.length <= MAX_INDEX_BYTES ? userId : `${userId.slice(0, MAX_INDEX_BYTES - 9)}~${fnv1a(userId)}`;
}

export function hubPoint(userId: string, d: HubDeltas, gauges: { openSockets: number; storageBytes: number }): DataPoint {
  return { indexes: [indexOf(userId)], blobs: ["hub", userId], doubles: [...HUB_DOUBLES.map((k) => d[k]), gauges.openSockets, gauges.storageBytes] };
}

export function refusalPoint(userId: string, code: string, source: RefusalSource, count = 1, route = ""): DataPoint {
  return { indexes: [indexOf(userId)], blobs: ["refusal", userId, code, source, route], doubles: [count] };
}

export function connectPoint(userId: string, outcome: string, resumed: boolean, ms: number, events: number, bytes: number): DataPoint {
  return { indexes: [indexOf(userId)], blobs: ["connect", userId, outcome, resumed ? "resumed" : "full"], doubles: [ms, events, bytes] };
}

/** The binding as Nerve uses it: only `writeDataPoint`, so that a test or a local run may lack it. */
export interface PointSink {
  writeDataPoint(point: DataPoint): void;
}

/**
 * Writes points when the binding is there; without it (a deployment that has not created the
 * dataset) it does nothing. `writeDataPoint` queues and returns at once; a refusal of a point (too
 * many blobs, a bad value) must never fail the request that counted it.
 */
export function writePoints(sink: PointSink | undefined, points: readonly DataPoint[]): void {
  if (!sink || typeof sink.writeDataPoint !== "function") return;
  for (const point of points) {
    try {
      sink.writeDataPoint(point);
    } catch {
      // Metrics are best effort; the request goes on.
    }
  }
}
