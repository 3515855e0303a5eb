/**
 * Which seqs this client has processed. `cursor` is the highest seq below which nothing is
 * missing: it is what gets persisted, sent as `since` and acknowledged. Seqs processed beyond a
 * hole are remembered so a replay never delivers them twice.
 *
 * With `contiguous: false` (a topic-filtered connection, which legitimately skips seqs) every
 * processed seq moves the cursor and holes are not tracked.
 */
export class SeqTracker {
  private above = new Set<number>();

  constructor(public cursor: number, private readonly contiguous: boolean) {}

  has(seq: number): boolean {
    return seq <= this.cursor || this.above.has(seq);
  }

  /** Records a processed seq; returns true when it was new. */
  mark(seq: number): boolean {
    if (this.has(seq)) return false;
    if (!this.contiguous) {
      this.cursor = seq;
      return true;
    }
    this.above.add(seq);
    while (this.above.delete(this.cursor + 1)) this.cursor += 1;
    return true;
  }

  /** Everything up to `seq` is accounted for (a SYNCED or a full STATE said so). */
  settle(seq: number): void {
    if (seq > this.cursor) this.cursor = seq;
    for (const s of this.above) if (s <= this.cursor) this.above.delete(s);
    while (this.above.delete(this.cursor + 1)) this.cursor += 1;
  }

  /** The server's log restarted below us (reset to an older seq): trust its number. */
  resetTo(seq: number): void {
    this.cursor = seq;
    this.above.clear();
  }

  /** Whether some seq below the highest processed one is missing. */
  get hasGap(): boolean {
    return this.above.size > 0;
  }

  /** The highest seq processed, holes or not. */
  get highest(): number {
    let max = this.cursor;
    for (const s of this.above) if (s > max) max = s;
    return max;
  }
}
