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

/** Where a user's history stands on this device: the cursor, its epoch and the mirror, one value. */
export interface SyncRecord {
  seq: number;
  epoch: string | null;
  /** The mirror as of `mirror.seq` (at most `seq`), of the same epoch; null when not persisted. */
  mirror: StoredMirror | null;
}

const StoredSync = z.object({
  v: z.literal(1),
  seq: z.int().check(z.gte(0)),
  epoch: z.nullable(z.string().check(z.regex(/^[A-Za-z0-9_-]{1,32}$/))),
  mirror: z.nullable(StoredMirror),
});

/**
 * What the client keeps in storage, and under which keys: `<prefix>:device` (one per storage, so
 * tabs of one browser are one device), and per user `<prefix>:u:<userId>:sync` (cursor, epoch and
 * mirror in one value, written in one write, so a crash between writes can never pair a cursor
 * with a mirror of another seq or epoch) and `...:outbox`, so that two users signing in on one
 * device never share any of it. Versions before this one wrote `...:cursor` (`<seq>[:<epoch>]`) and
 * `...:mirror` apart: they are read when there is no `...:sync`, and removed after it is written.
 */
export class UserStorage {
  /** Users whose old keys may still be in storage (removed after the first new write). */
  private readonly legacy = new Set<string>();
  /** The last mirror serialised, by identity: the record is written on every cursor move. */
  private mirrorText: { mirror: StoredMirror; text: string } | null = null;

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
   * unreadable), from the `sync` record, else from the old keys (the cursor as `<seq>:<epoch>`, or
   * `<seq>` alone as still older versions wrote it).
   */
  async load(userId: string): Promise<{ cursor: number | null; epoch: string | null; outbox: OutboxEntry[]; mirror: StoredMirror | null }> {
    const [syncRaw, outboxRaw, cursorRaw, mirrorRaw] = await Promise.all(
      ["sync", "outbox", "cursor", "mirror"].map((name) => this.storage.getItem(this.key(userId, name))),
    );
    if (cursorRaw != null || mirrorRaw != null) this.legacy.add(userId);
    const outbox = parseStoredOutbox(outboxRaw ?? null);
    const record = parseSync(syncRaw ?? null);
    if (record) return { cursor: record.seq, epoch: record.epoch, outbox, mirror: record.mirror && record.mirror.seq <= record.seq ? record.mirror : null };
    const match = cursorRaw != null ? /^(\d{1,15})(?::([A-Za-z0-9_-]{1,32}))?$/.exec(cursorRaw) : null;
    return {
      cursor: match ? Number(match[1]) : null,
      epoch: match?.[2] ?? null,
      outbox,
      mirror: parseMirror(mirrorRaw ?? null),
    };
  }

  /**
   * Saves the cursor, its epoch and the mirror as one value (a mirror too large for storage quotas
   * is left out: the next start asks for the full state). The old separate keys go after it.
   */
  saveSync(userId: string, record: SyncRecord): void {
    let mirrorJson = "null";
    if (record.mirror) {
      if (this.mirrorText?.mirror !== record.mirror) this.mirrorText = { mirror: record.mirror, text: JSON.stringify(record.mirror) };
      if (this.mirrorText.text.length <= MAX_MIRROR_CHARS) mirrorJson = this.mirrorText.text;
    }
    this.queue.set(this.key(userId, "sync"), `{"v":1,"seq":${record.seq},"epoch":${JSON.stringify(record.epoch)},"mirror":${mirrorJson}}`);
    if (this.legacy.delete(userId)) {
      this.queue.set(this.key(userId, "cursor"), null);
      this.queue.set(this.key(userId, "mirror"), null);
    }
  }

  saveOutbox(userId: string, entries: readonly OutboxEntry[]): void {
    this.queue.set(this.key(userId, "outbox"), entries.length ? JSON.stringify(entries) : null);
  }

  private key(userId: string, name: string): string {
    return `${this.prefix}:u:${userId}:${name}`;
  }
}

function parseSync(raw: string | null): SyncRecord | null {
  if (!raw) return null;
  try {
    const parsed = StoredSync.safeParse(JSON.parse(raw));
    return parsed.success ? { seq: parsed.data.seq, epoch: parsed.data.epoch, mirror: parsed.data.mirror } : null;
  } catch {
    return null;
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
