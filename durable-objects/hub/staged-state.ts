import { entryBytes, type StateEntry, type StateStore } from "../state-store.js";

/** A key written by the write in progress, not yet in the store. */
interface Staged extends StateEntry {
  json: string;
  finishedAt: number | null;
  /** The bytes of the row the store holds (0 for a new key): what the flush replaces. */
  stored: number;
}

/**
 * One write's view of the state: reads go through to the store once per key, and the write's own
 * values wait here until `flush`, so that a batch of 1,000 events on 10 keys reads 10 rows and
 * writes 10 (not 1,000 of each) beside its 1,000 appends. The byte total it reports includes what
 * is staged, so each event is still checked against MAX_STATE_BYTES on its own.
 */
export class StagedState {
  private readonly staged = new Map<string, Staged>();
  private readonly read = new Map<string, StateEntry | undefined>();
  private delta = 0;

  constructor(private readonly store: StateStore) {}

  get(key: string): StateEntry | undefined {
    const staged = this.staged.get(key);
    if (staged) return staged;
    if (!this.read.has(key)) this.read.set(key, this.store.get(key));
    return this.read.get(key);
  }

  /** Stages a key's next value; returns its size in bytes (`entryBytes`). */
  set(key: string, value: unknown, version: number, finishedAt: number | null): number {
    const current = this.get(key);
    const json = JSON.stringify(value);
    const bytes = entryBytes(key, json);
    const stored = this.staged.get(key)?.stored ?? current?.bytes ?? 0;
    this.delta += bytes - (current?.bytes ?? 0);
    this.staged.set(key, { value, version, bytes, json, finishedAt, stored });
    return bytes;
  }

  /** The state's size as it will be once flushed. */
  bytes(): number {
    return this.store.bytes() + this.delta;
  }

  /** Writes what is staged to the store (inside the write's transaction) and starts afresh. */
  flush(now: number): void {
    for (const [key, s] of this.staged) this.store.setJson(key, s.json, s.version, now, s.finishedAt, s.stored);
    this.staged.clear();
    this.read.clear();
    this.delta = 0;
  }
}
