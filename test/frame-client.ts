/**
 * A WebSocket test client that queues frames and waits for them with a timeout (never a fixed
 * sleep). Runtime-neutral: the worker tests use it inside workerd, the e2e tests in Node 22.
 */
export type Frame = Record<string, unknown> & { type: string };

export interface FrameClientOptions {
  /** Turns a text frame into a Frame; the text `pong` is always `{type: "pong"}`. */
  parse?: (text: string) => Frame;
  /** Default timeout of the waits, in ms. */
  timeoutMs?: number;
}

export class FrameClient {
  readonly frames: Frame[] = [];
  closed: { code: number; reason: string } | null = null;
  private cursor = 0;
  private waiters: (() => void)[] = [];
  protected readonly timeoutMs: number;

  constructor(readonly ws: WebSocket, options: FrameClientOptions = {}) {
    const parse = options.parse ?? ((text: string) => JSON.parse(text) as Frame);
    this.timeoutMs = options.timeoutMs ?? 5000;
    ws.addEventListener("message", (e) => {
      const text = typeof e.data === "string" ? e.data : new TextDecoder().decode(e.data as ArrayBuffer);
      this.frames.push(text === "pong" ? { type: "pong" } : parse(text));
      this.wake();
    });
    ws.addEventListener("close", (e) => {
      this.closed = { code: e.code, reason: e.reason };
      this.wake();
    });
  }

  private wake() {
    const w = this.waiters;
    this.waiters = [];
    w.forEach((f) => f());
  }

  private async until<T>(check: () => T | undefined, what: string, timeoutMs: number): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = check();
      if (v !== undefined) return v;
      // A closed socket gets no more frames: say so now rather than at the deadline.
      if (this.closed) throw new Error(`socket closed (${JSON.stringify(this.closed)}) while waiting for ${what}; last frames: ${JSON.stringify(this.frames.slice(-8))}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last frames: ${JSON.stringify(this.frames.slice(-8))}; closed: ${JSON.stringify(this.closed)}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** The next unread frame (of `type`, skipping others, when given). */
  next(type?: string, timeoutMs = this.timeoutMs): Promise<Frame> {
    return this.until(() => {
      while (this.cursor < this.frames.length) {
        const f = this.frames[this.cursor++]!;
        if (!type || f.type === type) return f;
      }
      return undefined;
    }, type ?? "a frame", timeoutMs);
  }

  /** Reads unread frames up to and including SYNCED. */
  async catchUp(timeoutMs = this.timeoutMs): Promise<Frame[]> {
    const out: Frame[] = [];
    for (;;) {
      const f = await this.next(undefined, timeoutMs);
      out.push(f);
      if (f.type === "SYNCED") return out;
    }
  }

  /** Unread frames now, without waiting. */
  drain(): Frame[] {
    const out = this.frames.slice(this.cursor);
    this.cursor = this.frames.length;
    return out;
  }

  waitClosed(timeoutMs = this.timeoutMs) {
    return this.until(() => this.closed ?? undefined, "close", timeoutMs);
  }

  send(frame: unknown) {
    this.ws.send(typeof frame === "string" || frame instanceof ArrayBuffer ? frame : JSON.stringify(frame));
  }
}
