import { utf8Length } from "../events-frames.js";
import type { RawEntry } from "../state-store.js";

/** What a STATE frame carries before it is cut to size. Values are the stored JSON text. */
export interface StateContent {
  seq: number;
  entries: RawEntry[];
  /** Keys removed since the cursor (a resumed STATE only). */
  removed: string[];
  reset: boolean;
  /** The device list as JSON text, when the connection receives `presence`. */
  devicesJson?: string;
}

/** Bytes of a part's fixed fields, with room for `part`, `more` and the seq's digits. */
const ENVELOPE = 160;

/**
 * Cuts a STATE into frames of at most `maxBytes` each (one value is never larger: the writer bounds
 * it). A single frame keeps the v1 shape. Parts are numbered from 1, `more: true` on all but the last;
 * only the first carries `reset: true`, the others `reset: false`, so a client that ignores
 * `part`/`more` still ends with the right mirror (it replaces, then merges). Entries keep their order
 * (critical keys first); `removed` comes before them, `devices` with the last part.
 * @example stateParts({ seq: 3, entries: [], removed: [], reset: true }, 1 << 20) // ['{"type":"STATE","seq":3,...}']
 */
export function stateParts(c: StateContent, maxBytes: number): string[] {
  type Part = { state: string[]; versions: string[]; removed: string[]; bytes: number };
  const parts: Part[] = [];
  const fresh = (): Part => ({ state: [], versions: [], removed: [], bytes: ENVELOPE });
  let cur = fresh();
  const add = (bytes: number, put: (p: Part) => void) => {
    if (cur.bytes + bytes > maxBytes && cur.bytes > ENVELOPE) {
      parts.push(cur);
      cur = fresh();
    }
    put(cur);
    cur.bytes += bytes;
  };
  for (const key of c.removed) {
    const k = JSON.stringify(key);
    add(utf8Length(k) + 1, (p) => p.removed.push(k));
  }
  for (const e of c.entries) {
    const k = JSON.stringify(e.key);
    const kb = utf8Length(k);
    add(kb * 2 + utf8Length(e.value) + String(e.version).length + 4, (p) => {
      p.state.push(`${k}:${e.value}`);
      p.versions.push(`${k}:${e.version}`);
    });
  }
  const devices = c.devicesJson ?? "";
  if (devices && cur.bytes + devices.length + 12 > maxBytes && cur.bytes > ENVELOPE) {
    parts.push(cur);
    cur = fresh();
  }
  parts.push(cur);
  return parts.map((p, i) => {
    const last = i === parts.length - 1;
    return `{"type":"STATE","seq":${c.seq},"state":{${p.state.join(",")}},"versions":{${p.versions.join(",")}},"reset":${c.reset && i === 0}`
      + (p.removed.length ? `,"removed":[${p.removed.join(",")}]` : "")
      + (last && c.devicesJson !== undefined ? `,"devices":${c.devicesJson}` : "")
      + (parts.length > 1 ? `,"part":${i + 1},"more":${!last}` : "")
      + "}";
  });
}
