import * as z from "zod/mini";
import { randomId } from "./ids.js";
import { parseStoredOutbox, type OutboxEntry } from "./outbox.js";
import type { PersistQueue } from "./persist-queue.js";
import type { NerveStorage } from "./storage.js";

const DEVICE_ID = /^[A-Za-z0-9._:@-]{1,128}$/;
/** A mirror larger than this is not persisted (localStorage quotas are ~5 MB per origin). */
const MAX_MIRROR_CHARS = 1_000_000;

/** The persisted mirror: the state and versions as of `seq`. */
const StoredMirror = z.object({
  seq: z.int().check(z.gte(0)),
  state: z.record(z.string(), z.unknown()),
  versions: z.record(z.string(), z.int()),
});
export type StoredMirror = z.infer<typeof StoredMirror>;

/**
 * What the client keeps in storage, and under which keys: `<prefix>:device` (one per storage, so
 * tabs of one browser are one device), and per user `<prefix>:u:<userId>:cursor`, `...:outbox`
 * and `...:mirror`, so that two users signing in on one device never share any of it.
 */
export class UserStorage {
  constructor(private readonly storage: NerveStorage, private readonly prefix: string, private readonly queue: PersistQueue) {}

  /** The persisted deviceId, or a new one (persisted). */
  async deviceId(): Promise<string> {
    const key = `${this.prefix}:device`;
    const stored = await this.storage.getItem(key);
    if (stored && DEVICE_ID.test(stored)) return stored;
    const id = randomId("d-");
    this.queue.set(key, id);
    return id;
  }

  /**
   * A user's persisted cursor and its epoch (null when none), outbox and mirror (null when none or
   * unreadable). The cursor is stored as `<seq>:<epoch>`, or `<seq>` alone as older versions wrote it.
   */
  async load(userId: string): Promise<{ cursor: number | null; epoch: string | null; outbox: OutboxEntry[]; mirror: StoredMirror | null }> {
    const [cursorRaw, outboxRaw, mirrorRaw] = await Promise.all(
      ["cursor", "outbox", "mirror"].map((name) => this.storage.getItem(this.key(userId, name))),
    );
    const match = cursorRaw != null ? /^(\d{1,15})(?::([A-Za-z0-9_-]{1,32}))?$/.exec(cursorRaw) : null;
    return {
      cursor: match ? Number(match[1]) : null,
      epoch: match?.[2] ?? null,
      outbox: parseStoredOutbox(outboxRaw ?? null),
      mirror: parseMirror(mirrorRaw ?? null),
    };
  }

  saveMirror(userId: string, mirror: StoredMirror): void {
    const text = JSON.stringify(mirror);
    this.queue.set(this.key(userId, "mirror"), text.length <= MAX_MIRROR_CHARS ? text : null);
  }

  /** Saves the cursor with the epoch it belongs to, in one value, so they never disagree. */
  saveCursor(userId: string, seq: number, epoch: string | null): void {
    this.queue.set(this.key(userId, "cursor"), epoch ? `${seq}:${epoch}` : String(seq));
  }

  saveOutbox(userId: string, entries: readonly OutboxEntry[]): void {
    this.queue.set(this.key(userId, "outbox"), entries.length ? JSON.stringify(entries) : null);
  }

  private key(userId: string, name: string): string {
    return `${this.prefix}:u:${userId}:${name}`;
  }
}

function parseMirror(raw: string | null): StoredMirror | null {
  if (!raw) return null;
  try {
    const parsed = StoredMirror.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
