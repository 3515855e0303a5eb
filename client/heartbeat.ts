/**
 * The text `ping` / `pong` heartbeat. The server answers `ping` without waking its Durable Object,
 * so this keeps the connection alive and measured while the server hibernates. A ping without a
 * pong within `timeoutMs` means the connection is dead.
 */
export class Heartbeat {
  private interval: ReturnType<typeof setInterval> | null = null;
  private deadline: ReturnType<typeof setTimeout> | null = null;
  private sentAt = 0;
  private pingNow: (() => void) | null = null;

  constructor(private readonly o: {
    send: (text: string) => boolean;
    onRtt: (ms: number) => void;
    onDead: () => void;
    now?: () => number;
  }) {}

  /** Pings at once (for a first latency figure), then every `everyMs`. */
  start(everyMs: number, timeoutMs: number): void {
    this.stop();
    const ping = () => {
      if (this.deadline) return;
      this.sentAt = (this.o.now ?? Date.now)();
      if (!this.o.send("ping")) return;
      this.deadline = setTimeout(() => {
        this.deadline = null;
        this.o.onDead();
      }, Math.min(timeoutMs, everyMs));
    };
    this.pingNow = ping;
    this.interval = setInterval(ping, everyMs);
    ping();
  }

  /** Pings now (unless a ping is already waiting): after a wake-up, to find a connection that died while asleep. */
  probe(): void {
    this.pingNow?.();
  }

  /** A `pong` arrived. */
  pong(): void {
    if (!this.deadline) return;
    clearTimeout(this.deadline);
    this.deadline = null;
    this.o.onRtt((this.o.now ?? Date.now)() - this.sentAt);
  }

  stop(): void {
    if (this.interval) clearInterval(this.interval);
    if (this.deadline) clearTimeout(this.deadline);
    this.interval = null;
    this.deadline = null;
    this.pingNow = null;
  }
}
