/** Refresh this share of a token's remaining life before it ends (bounded below and above). */
const LEAD_SHARE = 0.1;
const MIN_LEAD_MS = 5_000;
const MAX_LEAD_MS = 120_000;
/** Never sooner than this after the last refresh: a token that lives a few seconds is not a loop. */
const MIN_DELAY_MS = 1_000;

/**
 * Keeps a socket's authority alive: a little before the token's `exp` (with jitter, so that a
 * fleet of devices does not ask the app's auth backend at one instant) it asks the app for a
 * fresh token and sends it in-band as `REFRESH`, so a long-lived connection never has to reconnect
 * just because its token aged. A refused or failed refresh is left to the server's 4002 close,
 * after which the reconnect fetches a token anyway.
 */
export class TokenRefresher {
  private timer: ReturnType<typeof setTimeout> | null = null;
  private generation = 0;

  constructor(private readonly o: {
    getToken: () => string | Promise<string>;
    /** The token's `exp` in seconds, read without verification; null when it has none. */
    expOf: (token: string) => number | null;
    /** Sends a text frame on the current socket; false when there is none. */
    send: (text: string) => boolean;
    newId: () => string;
    onError: (err: unknown) => void;
    now?: () => number;
    random?: () => number;
  }) {}

  /** The socket now holds `token`: schedule its refresh. */
  start(token: string): void {
    this.stop();
    this.schedule(token, this.generation);
  }

  stop(): void {
    this.generation += 1;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** How long to wait before refreshing a token that ends at `expMs`. */
  delayFor(expMs: number): number {
    const remaining = expMs - (this.o.now ?? Date.now)();
    const lead = Math.min(MAX_LEAD_MS, Math.max(MIN_LEAD_MS, remaining * LEAD_SHARE));
    const jitter = (this.o.random ?? Math.random)() * lead * 0.5;
    return Math.max(MIN_DELAY_MS, remaining - lead - jitter);
  }

  private schedule(token: string, generation: number): void {
    const exp = this.o.expOf(token);
    if (exp === null) return;
    // setTimeout holds at most ~24.8 days; tokens live 7 days at most (MAX_TOKEN_TTL_SECONDS).
    const delay = Math.min(this.delayFor(exp * 1000), 2 ** 31 - 1);
    this.timer = setTimeout(() => void this.refresh(generation), delay);
  }

  private async refresh(generation: number): Promise<void> {
    this.timer = null;
    let token: string;
    try {
      token = await this.o.getToken();
    } catch (err) {
      this.o.onError(err);
      return;
    }
    if (generation !== this.generation || typeof token !== "string" || token === "") return;
    if (this.o.send(JSON.stringify({ type: "REFRESH", id: this.o.newId(), data: { token } }))) this.schedule(token, generation);
  }
}
