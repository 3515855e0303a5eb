import * as z from "zod/mini";
import type { SendResult } from "./types.js";

/** One message waiting for the server's answer. Persisted as is. */
export interface OutboxEntry {
  id: string;
  type: string;
  data: unknown;
  baseVersion?: number;
  createdAt: number;
  /**
   * Conflict-aware state edits (set by the client, not by an explicit `baseVersion`): the state key,
   * and its value in the mirror when the edit was made (`base`, absent when the key had none);
   * `baseVersion` is that value's version.
   */
  auto?: { key: string; base?: unknown };
  /** Sent with `baseVersion`: made while not live, or unanswered at a reconnect (explicit baseVersions always are). */
  guarded?: boolean;
  /** Refused with an overlapping CONFLICT: waits for `resolve` (see the `conflict` event). */
  held?: boolean;
}

const StoredOutbox = z.array(z.object({
  id: z.string().check(z.minLength(1), z.maxLength(128)),
  type: z.string(),
  data: z.unknown(),
  baseVersion: z.optional(z.int()),
  createdAt: z.number(),
  auto: z.optional(z.object({ key: z.string(), base: z.optional(z.unknown()) })),
  guarded: z.optional(z.boolean()),
  held: z.optional(z.boolean()),
}));

/** Parses a persisted outbox; anything unreadable is dropped rather than trusted. */
export function parseStoredOutbox(raw: string | null): OutboxEntry[] {
  if (!raw) return [];
  try {
    const parsed = StoredOutbox.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : [];
  } catch {
    return [];
  }
}

interface Waiter {
  resolve: (r: SendResult) => void;
  reject: (e: Error) => void;
}

/**
 * Messages with ids, in send order, until each is answered. Bounded; every change is handed to
 * `persist`. An entry goes out again after every reconnect until the server answers it: the
 * server remembers ids per device, so a repeat is not applied twice.
 */
export class Outbox {
  private entries: OutboxEntry[] = [];
  private readonly inflight = new Set<string>();
  private readonly waiters = new Map<string, Waiter>();

  constructor(private readonly max: number, private readonly persist: (entries: readonly OutboxEntry[]) => void) {}

  get size(): number {
    return this.entries.length;
  }

  get inflightCount(): number {
    return this.inflight.size;
  }

  get isFull(): boolean {
    return this.entries.length >= this.max;
  }

  has(id: string): boolean {
    return this.entries.some((e) => e.id === id);
  }

  add(entry: OutboxEntry, waiter?: Waiter): void {
    this.entries.push(entry);
    if (waiter) this.waiters.set(entry.id, waiter);
    this.persist(this.entries);
  }

  /**
   * Puts persisted entries (from an earlier session) first, keeping ids unique. Returns how many were
   * added. They are unanswered at a reconnect, so guarded; a held one goes again with its first id,
   * and the server's remembered CONFLICT raises its conflict anew.
   */
  restore(stored: readonly OutboxEntry[]): number {
    const known = new Set(this.entries.map((e) => e.id));
    const fresh = stored.filter((e) => !known.has(e.id)).map(({ held: _held, ...e }) => (e.auto ? { ...e, guarded: true } : e));
    if (fresh.length === 0) return 0;
    this.entries = [...fresh, ...this.entries].slice(0, Math.max(this.max, this.entries.length));
    this.persist(this.entries);
    return fresh.length;
  }

  /**
   * The next entry not yet sent on this connection. A held entry waits for its resolution, and
   * holds back later edits of its key; a guarded edit waits until the earlier ones of its key are
   * answered, so that it is rebased onto them rather than refused by them.
   */
  nextUnsent(): OutboxEntry | undefined {
    const held = new Set<string>();
    const busy = new Set<string>();
    for (const e of this.entries) {
      const key = e.auto?.key;
      if (e.held) {
        if (key) held.add(key);
        continue;
      }
      if (key && held.has(key)) continue;
      if (!this.inflight.has(e.id)) {
        if (!(e.guarded && key && busy.has(key))) return e;
      }
      if (key) busy.add(key);
    }
    return undefined;
  }

  /**
   * Replaces an entry in place (a rebase, a hold, a resolution), keeping its waiter. A new `id`
   * is needed to send it again: the server remembers a CONFLICT by id.
   */
  update(id: string, patch: Partial<OutboxEntry>): OutboxEntry | undefined {
    const i = this.entries.findIndex((e) => e.id === id);
    if (i < 0) return undefined;
    const next = { ...this.entries[i]!, ...patch };
    if (patch.held === false) delete next.held;
    this.entries[i] = next;
    this.inflight.delete(id);
    if (next.id !== id) {
      const w = this.waiters.get(id);
      this.waiters.delete(id);
      if (w) this.waiters.set(next.id, w);
    }
    this.persist(this.entries);
    return next;
  }

  /** The conflict-aware edits of a key, in send order. */
  ofKey(key: string): readonly OutboxEntry[] {
    return this.entries.filter((e) => e.auto?.key === key);
  }

  isInflight(id: string): boolean {
    return this.inflight.has(id);
  }

  markSent(id: string): void {
    this.inflight.add(id);
  }

  /**
   * Everything unanswered goes out again. `reconnect`: the connection went, so the edits among them
   * are now "unanswered at a reconnect" and go guarded (with their baseVersion).
   */
  unsendAll(reconnect = true): void {
    this.inflight.clear();
    if (reconnect && this.entries.some((e) => e.auto && !e.guarded)) {
      this.entries = this.entries.map((e) => (e.auto && !e.guarded ? { ...e, guarded: true } : e));
      this.persist(this.entries);
    }
  }

  get(id: string): OutboxEntry | undefined {
    return this.entries.find((e) => e.id === id);
  }

  /** Removes an answered entry and returns it with its waiter (absent for restored entries). */
  take(id: string): { entry: OutboxEntry; waiter?: Waiter } | undefined {
    const i = this.entries.findIndex((e) => e.id === id);
    if (i < 0) return undefined;
    const [entry] = this.entries.splice(i, 1);
    this.inflight.delete(id);
    const waiter = this.waiters.get(id);
    this.waiters.delete(id);
    this.persist(this.entries);
    return { entry: entry!, waiter };
  }

  /** The entries in send order. */
  list(): readonly OutboxEntry[] {
    return this.entries;
  }

  /** Forgets every entry in memory (the token now names another user; theirs stay persisted under their key). */
  dropAll(): void {
    this.entries = [];
    this.inflight.clear();
  }

  /** Rejects every waiting promise (the entries stay persisted for a later session). */
  rejectWaiters(error: Error): void {
    for (const w of this.waiters.values()) w.reject(error);
    this.waiters.clear();
  }
}
