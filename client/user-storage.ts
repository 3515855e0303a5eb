import type { OutboxEntry } from "./outbox.js";
import { parseStoredOutbox } from "./outbox.js";
import { randomId } from "./ids.js";
import type { PersistQueue } from "./persist-queue.js";
import type { NerveStorage } from "./storage.js";

const DEVICE_ID = /^[A-Za-z0-9._:@-]{1,128}$/;

/**
 * What the client keeps in storage, and under which keys: `<prefix>:device` (one per storage, so
 * tabs of one browser are one device), and per user `<prefix>:u:<userId>:cursor` and `...:outbox`,
 * so that two users signing in on one device never share a cursor or a queue.
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

  /** A user's persisted cursor (null when none) and outbox. */
  async load(userId: string): Promise<{ cursor: number | null; outbox: OutboxEntry[] }> {
    const [cursorRaw, outboxRaw] = await Promise.all([this.storage.getItem(this.key(userId, "cursor")), this.storage.getItem(this.key(userId, "outbox"))]);
    const cursor = cursorRaw !== null && /^\d{1,15}$/.test(cursorRaw) ? Number(cursorRaw) : null;
    return { cursor, outbox: parseStoredOutbox(outboxRaw) };
  }

  saveCursor(userId: string, seq: number): void {
    this.queue.set(this.key(userId, "cursor"), String(seq));
  }

  saveOutbox(userId: string, entries: readonly OutboxEntry[]): void {
    this.queue.set(this.key(userId, "outbox"), entries.length ? JSON.stringify(entries) : null);
  }

  private key(userId: string, name: string): string {
    return `${this.prefix}:u:${userId}:${name}`;
  }
}
