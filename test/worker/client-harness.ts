import { SELF } from "cloudflare:test";
import type { WebSocketFactory, WebSocketLike } from "../../client/index.js";

type Listener = (event: any) => void;

/**
 * A WebSocket for the client SDK that opens through the Worker in the workerd pool
 * (`SELF.fetch` with `Upgrade: websocket`): the real route, the real hub, no mock server.
 * `sockets` records every socket made, so a test can cut one from the client side.
 */
export function selfWebSocket(network: Network = {}): WebSocketFactory & { sockets: SelfSocket[] } {
  const sockets: SelfSocket[] = [];
  class Bound extends SelfSocket {
    constructor(url: string, protocols?: string | string[]) {
      super(url, protocols, network);
      sockets.push(this);
    }
  }
  return Object.assign(Bound, { sockets }) as unknown as WebSocketFactory & { sockets: SelfSocket[] };
}

/** What the test's "network" does to connections: the server stays the real one. */
export interface Network {
  /** Extra request headers (an Origin, say). */
  headers?: Record<string, string>;
  /** Rewrites the URL on the way (e.g. a proxy that strips the token). */
  mapUrl?: (url: string) => string;
  /** While true, connection attempts fail as on a dead network (1006). */
  down?: () => boolean;
  /** Frames from the server for which this returns true are lost. */
  loseIncoming?: (text: string) => boolean;
}

export class SelfSocket implements WebSocketLike {
  readyState = 0;
  protocol = "";
  /** The URL the client opened (its query carries the cursor and epoch). */
  readonly url: string;
  /** Every text frame the client sent on this socket. */
  readonly sent: string[] = [];
  private ws: WebSocket | null = null;
  private closeRequested: { code?: number; reason?: string } | null = null;
  private readonly listeners: Record<string, Listener[]> = { open: [], message: [], close: [], error: [] };

  constructor(url: string, protocols?: string | string[], network: Network = {}) {
    this.url = url;
    const headers: Record<string, string> = { Upgrade: "websocket", ...network.headers };
    if (protocols) headers["Sec-WebSocket-Protocol"] = ([] as string[]).concat(protocols).join(", ");
    if (network.down?.()) {
      queueMicrotask(() => this.finish(1006, "network down"));
      return;
    }
    const target = (network.mapUrl ?? ((u: string) => u))(url).replace(/^ws/, "http");
    SELF.fetch(target, { headers }).then((res) => {
      const ws = res.webSocket;
      if (!ws) return this.finish(1006, `no upgrade: HTTP ${res.status}`);
      ws.accept();
      this.ws = ws;
      this.protocol = res.headers.get("Sec-WebSocket-Protocol") ?? "";
      ws.addEventListener("message", (e) => {
        if (typeof e.data === "string" && network.loseIncoming?.(e.data)) return;
        this.fire("message", { data: e.data });
      });
      ws.addEventListener("close", (e) => this.finish(e.code, e.reason));
      if (this.closeRequested) {
        ws.close(this.closeRequested.code ?? 1000, this.closeRequested.reason);
        return this.finish(this.closeRequested.code ?? 1000, this.closeRequested.reason ?? "");
      }
      this.readyState = 1;
      this.fire("open", {});
    }, (err) => this.finish(1006, String(err)));
  }

  addEventListener(type: string, listener: Listener): void {
    this.listeners[type]!.push(listener);
  }

  send(data: string): void {
    if (this.readyState !== 1 || !this.ws) throw new Error("socket is not open");
    this.ws.send(data);
    this.sent.push(data);
  }

  close(code?: number, reason?: string): void {
    if (this.readyState >= 2) return;
    if (!this.ws) {
      this.closeRequested = { code, reason };
      return;
    }
    this.readyState = 2;
    try {
      this.ws.close(code ?? 1000, reason);
    } catch {
      // already closed
    }
    this.finish(code ?? 1000, reason ?? "");
  }

  /** Drops the connection the way a dead network does: the client sees 1006, the server sees a close. */
  drop(): void {
    if (this.readyState >= 2) return;
    try {
      this.ws?.close(4999, "network dropped");
    } catch {
      // already closed
    }
    this.finish(1006, "network dropped");
  }

  private finish(code: number, reason: string): void {
    if (this.readyState === 3) return;
    this.readyState = 3;
    this.fire("close", { code, reason });
  }

  private fire(type: string, event: unknown): void {
    for (const l of [...this.listeners[type]!]) l(event);
  }
}

/** Waits until `check` returns a value (polling on a short interval), or fails after `timeoutMs` with `what`. */
export async function waitFor<T>(check: () => T | undefined | null | false, what: string, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = check();
    if (v !== undefined && v !== null && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
