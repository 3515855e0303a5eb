import type { NerveStorage } from "./storage.js";

/**
 * Writes to storage in order, coalescing: when a key is written several times before the store
 * catches up, only its latest value is written. Keeps an async store (AsyncStorage) from
 * reordering writes and a synchronous one (localStorage) from being hammered.
 */
export class PersistQueue {
  private pending = new Map<string, string | null>();
  private running: Promise<void> | null = null;

  constructor(private readonly storage: NerveStorage, private readonly onError: (err: unknown) => void) {}

  set(key: string, value: string | null): void {
    this.pending.set(key, value);
    if (!this.running) this.running = this.run();
  }

  /** Resolves when everything written so far is in storage. */
  async flush(): Promise<void> {
    while (this.running) await this.running;
  }

  private async run(): Promise<void> {
    // Let a burst of synchronous writes coalesce first.
    await Promise.resolve();
    while (this.pending.size > 0) {
      const batch = [...this.pending];
      this.pending.clear();
      for (const [key, value] of batch) {
        try {
          if (value === null) await this.storage.removeItem(key);
          else await this.storage.setItem(key, value);
        } catch (err) {
          this.onError(err);
        }
      }
    }
    this.running = null;
  }
}
