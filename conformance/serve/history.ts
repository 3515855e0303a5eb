/**
 * A scenario's server-side history: an epoch, a seq and a state built with the server's own reducer
 * (protocol/), so the frames the fake server plays hold exactly what a real one would.
 */
import { reduceState, stateKeyOf, type EventType } from "../../protocol/index.js";

export type Json = Record<string, unknown>;
export interface Event { type: EventType; seq: number; ts: number; data: Json; from: string }

export class History {
  seq = 0;
  state: Record<string, unknown> = {};
  versions: Record<string, number> = {};
  readonly events: Event[] = [];

  constructor(public epoch: string) {}

  /** Writes the next event (state, versions, seq) and returns its frame. */
  write(type: EventType, data: Json, from = "fake-service"): Event {
    const e: Event = { type, seq: this.seq + 1, ts: Date.now(), data, from };
    this.seq = e.seq;
    this.events.push(e);
    if (type === "STATE_REMOVED") {
      for (const k of data.keys as string[]) {
        delete this.state[k];
        delete this.versions[k];
      }
    } else {
      const key = stateKeyOf(type, data);
      if (key !== null) {
        this.state[key] = JSON.parse(JSON.stringify(reduceState(type, this.state[key], data, { ts: e.ts, from, seq: e.seq })));
        this.versions[key] = e.seq;
      }
    }
    return e;
  }

  /** A new history: what an erasure does (a new epoch, seq from 0, no state). */
  restart(epoch: string): void {
    this.epoch = epoch;
    this.seq = 0;
    this.state = {};
    this.versions = {};
    this.events.length = 0;
  }

  /** `{state, versions}` of these keys (all when omitted). */
  pick(keys: string[] = Object.keys(this.state)): { state: Json; versions: Record<string, number> } {
    return {
      state: Object.fromEntries(keys.map((k) => [k, this.state[k]])),
      versions: Object.fromEntries(keys.map((k) => [k, this.versions[k]!])),
    };
  }
}
