import type { ConflictEvent, NerveClient } from "../../../client/index.js";
import { eventsPage } from "./me-api.js";

/** A queued edit of this device that a newer change of another overtook, waiting for the user's choice. */
export interface PendingConflict {
  id: string;
  key: string;
  fields: string[];
  mine: Record<string, unknown>;
  theirs: unknown;
  /** Who made the newer change (device id or service name), once known. */
  theirsFrom?: string;
  /** When the newer change was made (ms), once known. */
  theirsAt?: number;
  /** When this device's edit was made (ms): when the SDK raised it, at the latest. */
  raisedAt: number;
}

/**
 * Holds the SDK's `conflict` events until the user picks "keep yours" or "take theirs". Being
 * registered at all is what makes the SDK wait for a choice instead of taking theirs silently.
 * When the value does not say who changed it (only posture does), the event that made the
 * current version is read from the log: its `from` and time.
 */
export class ConflictStore {
  private list: PendingConflict[] = [];
  private readonly resolvers = new Map<string, ConflictEvent["resolve"]>();
  private readonly listeners = new Set<() => void>();
  private readonly off: () => void;

  constructor(client: NerveClient) {
    this.off = client.on("conflict", (c) => {
      this.resolvers.set(c.id, c.resolve);
      const entry: PendingConflict = {
        id: c.id, key: c.key, fields: c.fields, mine: c.mine, theirs: c.theirs, raisedAt: Date.now(),
        ...(c.theirsFrom !== undefined ? { theirsFrom: c.theirsFrom } : {}), ...(c.theirsAt !== undefined ? { theirsAt: c.theirsAt } : {}),
      };
      this.set([...this.list.filter((p) => p.id !== c.id), entry]);
      if (c.theirsFrom === undefined || c.theirsAt === undefined) void this.attribute(c.id, c.theirsVersion);
    });
  }

  dispose(): void {
    this.off();
  }

  subscribe = (l: () => void): (() => void) => {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  };

  get = () => this.list;

  /** The user's choice: "mine" sends this device's edit over theirs, "theirs" drops it. */
  resolve(id: string, choice: "mine" | "theirs"): void {
    this.resolvers.get(id)?.(choice);
    this.resolvers.delete(id);
    this.set(this.list.filter((p) => p.id !== id));
  }

  private set(list: PendingConflict[]): void {
    this.list = list;
    this.listeners.forEach((l) => l());
  }

  private async attribute(id: string, version: number): Promise<void> {
    try {
      const page = await eventsPage(Math.max(0, version - 1), 1);
      const e = page.events.find((ev) => ev.seq === version);
      if (!e) return;
      this.set(this.list.map((p) => (p.id === id ? { ...p, theirsFrom: p.theirsFrom ?? e.from, theirsAt: p.theirsAt ?? e.at ?? e.ts } : p)));
    } catch (err) {
      console.warn("conflicts: could not read who made the newer change", err);
    }
  }
}
