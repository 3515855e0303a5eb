import * as z from "zod/mini";
import type { SendResult } from "./types.js";

/** One message waiting for the server's answer. Persisted as is. */
export interface OutboxEntry {
  id: string;
  type: string;
  data: unknown;
  baseVersion?: number;
  createdAt: number;
}

const StoredOutbox = z.array(z.object({
  id: z.string().check(z.minLength(1), z.maxLength(128)),
  type: z.string(),
  data: z.unknown(),
  baseVersion: z.optional(z.int()),
  createdAt: z.number(),
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

  /** Puts persisted entries (from an earlier session) first, keeping ids unique. Returns how many were added. */
  restore(stored: readonly OutboxEntry[]): number {
    const known = new Set(this.entries.map((e) => e.id));
    const fresh = stored.filter((e) => !known.has(e.id));
    if (fresh.length === 0) return 0;
    this.entries = [...fresh, ...this.entries].slice(0, Math.max(this.max, this.entries.length));
    this.persist(this.entries);
    return fresh.length;
  }

  /** The next entry not yet sent on this connection. */
  nextUnsent(): OutboxEntry | undefined {
    return this.entries.find((e) => !this.inflight.has(e.id));
  }

  markSent(id: string): void {
    this.inflight.add(id);
  }

  /** The connection went: everything unanswered goes out again on the next one. */
  unsendAll(): void {
    this.inflight.clear();
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
