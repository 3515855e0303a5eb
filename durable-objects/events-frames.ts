/**
 * Frames of several events: the catch-up's, and a several-event write's live fan-out, both for
 * connections that asked for `batch=1`. Built from each event's stored wire JSON, never re-serialized.
 */
const EVENTS_HEAD = '{"type":"EVENTS","events":[';
const EVENTS_TAIL = "]}";

/** UTF-8 bytes of a string: its length when ASCII (the common case, checked natively), else counted. */
export function utf8Length(s: string): number {
  if (!/[^\x00-\x7f]/.test(s)) return s.length;
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    // A surrogate pair (2 units) is 4 bytes; other units past 0x7ff are 3, past 0x7f 2.
    if (c >= 0x80) n += c < 0x800 ? 1 : c >= 0xd800 && c <= 0xdfff ? 1 : 2;
  }
  return n;
}

/** A frame and how many events it carries. */
export interface EventsRun {
  frame: string;
  count: number;
}

/**
 * Joins events' wire JSON into `EVENTS {events: [...]}` frames of at most `maxBytes` each, in order,
 * without parsing them. An event too large for any EVENTS frame goes alone, as its live frame.
 * Each frame comes with how many events it carries, so that a sender can tell which got through.
 */
export function eventsRuns(wires: readonly string[], maxBytes: number): EventsRun[] {
  const empty = EVENTS_HEAD.length + EVENTS_TAIL.length;
  const runs: EventsRun[] = [];
  let part: string[] = [];
  let size = empty;
  const flush = () => {
    if (part.length) runs.push({ frame: EVENTS_HEAD + part.join(",") + EVENTS_TAIL, count: part.length });
    part = [];
    size = empty;
  };
  for (const wire of wires) {
    const bytes = utf8Length(wire);
    if (empty + bytes > maxBytes) {
      flush();
      runs.push({ frame: wire, count: 1 });
      continue;
    }
    const comma = part.length ? 1 : 0;
    if (size + comma + bytes > maxBytes) flush();
    size += comma + bytes;
    part.push(wire);
  }
  flush();
  return runs;
}

/**
 * The frames of `eventsRuns`.
 * @example eventsFrames(['{"type":"PROMPT_CHANGE","seq":3,...}'], 1048576) // ['{"type":"EVENTS","events":[{...}]}']
 */
export function eventsFrames(wires: readonly string[], maxBytes: number): string[] {
  return eventsRuns(wires, maxBytes).map((r) => r.frame);
}
