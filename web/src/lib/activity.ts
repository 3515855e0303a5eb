import * as z from "zod/mini";
import type { NerveClient } from "../../../client/index.js";
import type { EventType } from "../../../protocol/index.js";
import { ActivityItem } from "./activity-item.js";
import { eventsPage } from "./me-api.js";
import { local } from "./safe-storage.js";

/**
 * What happened to the user's things, kept across reloads: one compact item per durable event,
 * read from the live socket while synced and from `GET /api/me/events` for what this device missed
 * (on a reconnect the socket brings missed state only as coalesced values, not as events).
 * Items past `seenSeq` that other devices or services caused make the "while you were away" digest.
 */
export { ActivityItem };

const Stored = z.object({
  v: z.literal(1),
  epoch: z.optional(z.string()),
  /** The highest seq recorded: the next catch-up reads after it. */
  seq: z.int(),
  /** The highest seq this device showed live: anything after it, by others, was missed. */
  seenSeq: z.int(),
  items: z.array(ActivityItem),
  /** The last digest not yet dismissed. */
  digest: z.nullable(z.object({ since: z.number(), items: z.array(ActivityItem) })),
});
type Stored = z.infer<typeof Stored>;

export interface Digest {
  /** When this device was last live (ms). */
  since: number;
  items: ActivityItem[];
}

const MAX_ITEMS = 200;
/** A first visit shows this many of the latest events, not the whole history. */
const FIRST_LOOK_BACK = 100;
/** A catch-up reads at most this many events (a device away for weeks gets a digest of the last ones). */
const MAX_CATCH_UP = 2000;
/** Progress ticks of a running dream say nothing a person needs later. */
const NOT_KEPT: ReadonlySet<EventType> = new Set(["DREAM_PROGRESS"]);

function compact(e: { type: EventType; seq: number; ts: number; at?: number; from: string; data: unknown }): ActivityItem | null {
  if (NOT_KEPT.has(e.type)) return null;
  const raw = (typeof e.data === "object" && e.data !== null ? e.data : {}) as Record<string, unknown>;
  let data: Record<string, unknown> = raw;
  if (e.type === "DREAM_RESULT") data = { cycleId: raw.cycleId };
  // Answers can be long; which questions were answered is what the feed says.
  if (e.type === "CONVERGENCE_UPDATE" && typeof raw.answers === "object" && raw.answers !== null) data = { ...raw, answers: Object.fromEntries(Object.keys(raw.answers).map((k) => [k, ""])) };
  return { seq: e.seq, at: e.at ?? e.ts, type: e.type, from: e.from, data };
}

/** One feed per client (user and device): `subscribe`/`get` for useSyncExternalStore. */
export class ActivityFeed {
  private stored: Stored;
  private snapshot: { items: ActivityItem[]; digest: Digest | null; loading: boolean };
  private readonly listeners = new Set<() => void>();
  private catchingUp = false;
  private readonly offs: (() => void)[] = [];

  constructor(private readonly client: NerveClient, private readonly storageKey: string) {
    this.stored = this.load();
    this.snapshot = { items: this.stored.items, digest: this.stored.digest, loading: false };
    this.offs.push(client.on("event", (e) => {
      // During catch-up the socket brings only some events (messages); the log read after SYNCED brings them all.
      if (!client.getSnapshot().synced || this.catchingUp) return;
      this.add([e], true);
    }));
    this.offs.push(client.on("synced", ({ seq }) => void this.catchUp(seq)));
    this.offs.push(client.on("welcome", (w) => {
      if (w.epoch && this.stored.epoch && w.epoch !== this.stored.epoch) this.reset(w.epoch);
    }));
  }

  dispose(): void {
    this.offs.forEach((off) => off());
  }

  subscribe = (l: () => void): (() => void) => {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  };

  get = () => this.snapshot;

  dismissDigest(): void {
    this.stored = { ...this.stored, digest: null };
    this.save();
  }

  private load(): Stored {
    try {
      const parsed = Stored.safeParse(JSON.parse(local.getItem(this.storageKey) ?? "null"));
      if (parsed.success) return parsed.data;
    } catch {
      // unreadable: start empty
    }
    return { v: 1, seq: -1, seenSeq: -1, items: [], digest: null };
  }

  private save(loading = this.snapshot.loading): void {
    try {
      local.setItem(this.storageKey, JSON.stringify(this.stored));
    } catch {
      // storage full or blocked: the feed still works for this page
    }
    this.snapshot = { items: this.stored.items, digest: this.stored.digest, loading };
    this.listeners.forEach((l) => l());
  }

  private reset(epoch: string | undefined): void {
    // Another history (the user's data was erased): nothing of the old one applies.
    this.stored = { v: 1, epoch, seq: -1, seenSeq: -1, items: [], digest: null };
    this.save();
  }

  private add(events: Parameters<typeof compact>[0][], live: boolean): ActivityItem[] {
    const fresh = events.filter((e) => e.seq > this.stored.seq).map(compact).filter((i): i is ActivityItem => i !== null);
    const top = events.reduce((m, e) => Math.max(m, e.seq), this.stored.seq);
    const items = [...fresh.reverse(), ...this.stored.items].slice(0, MAX_ITEMS);
    this.stored = { ...this.stored, items, seq: top, seenSeq: live ? Math.max(this.stored.seenSeq, top) : this.stored.seenSeq };
    this.save();
    return fresh;
  }

  /** Reads what this device missed from the log, then makes the digest of what others did meanwhile. */
  private async catchUp(serverSeq: number): Promise<void> {
    if (this.catchingUp) return;
    this.catchingUp = true;
    this.snapshot = { ...this.snapshot, loading: true };
    this.listeners.forEach((l) => l());
    const me = this.client.getSnapshot().deviceId;
    const first = this.stored.seq < 0;
    const seenBefore = this.stored.seenSeq;
    const missed: ActivityItem[] = [];
    try {
      let since = first ? Math.max(0, serverSeq - FIRST_LOOK_BACK) : this.stored.seq;
      if (since > serverSeq) {
        this.reset(this.stored.epoch);
        since = Math.max(0, serverSeq - FIRST_LOOK_BACK);
      }
      for (let read = 0, rounds = 0; read < MAX_CATCH_UP && rounds < 20; rounds++) {
        const page = await eventsPage(since, 500, first ? undefined : this.stored.epoch);
        if (page.reset) {
          // The log no longer reaches back that far, or the history changed: start from the latest.
          this.reset(page.epoch);
          if (page.seq === 0) break;
          since = Math.max(0, page.seq - FIRST_LOOK_BACK);
          continue;
        }
        this.stored = { ...this.stored, epoch: page.epoch ?? this.stored.epoch };
        missed.push(...this.add(page.events, false));
        // A last page reaches the log's head: everything up to it is read, events or not.
        if (!page.hasMore) this.stored = { ...this.stored, seq: Math.max(this.stored.seq, page.seq) };
        read += page.events.length;
        since = this.stored.seq;
        // Live events that arrived while reading were skipped above: read on until the client's cursor.
        if (!page.hasMore && this.client.getSnapshot().seq <= this.stored.seq) break;
      }
      const awayItems = first ? [] : missed.filter((i) => i.seq > seenBefore && i.from !== me);
      const previous = this.stored.digest;
      const digest = awayItems.length
        ? { since: previous?.since ?? this.lastSeenAt(seenBefore), items: [...awayItems, ...(previous?.items ?? [])].slice(0, MAX_ITEMS) }
        : previous;
      this.stored = { ...this.stored, seenSeq: Math.max(this.stored.seenSeq, this.stored.seq), digest };
    } catch (err) {
      // The feed is a convenience: the state on screen is already current.
      console.warn("activity: could not read the event log", err);
    } finally {
      this.catchingUp = false;
      this.save(false);
    }
  }

  private lastSeenAt(seq: number): number {
    return this.stored.items.find((i) => i.seq <= seq)?.at ?? Date.now();
  }
}
