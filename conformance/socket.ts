/**
 * A WebSocket to the Nerve under test (the `ws` package, which can send an Origin header): frames
 * queue up and are awaited with a timeout; every server frame is checked against protocol/'s
 * ServerFrame, and one that is not JSON or does not match becomes `{type: "INVALID_FRAME"}`, so any
 * exact expectation on it fails and `violations` lists it.
 */
import WebSocket from "ws";
import { BEARER_PREFIX, ServerFrame, SUBPROTOCOL } from "../protocol/index.js";
import { FrameClient, type Frame } from "../test/frame-client.js";

export type { Frame };

export interface SocketOptions {
  /** The user token: sent in the subprotocol list (default) or as `token=` (`tokenIn: "query"`). */
  token?: string;
  tokenIn?: "subprotocol" | "query";
  origin?: string;
  timeoutMs?: number;
}

/** Parses a server frame, noting a violation of the contract in `violations`. */
function parseInto(violations: string[], text: string): Frame {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    violations.push(`not JSON: ${text.slice(0, 100)}`);
    return { type: "INVALID_FRAME", text };
  }
  const parsed = ServerFrame.safeParse(json);
  if (!parsed.success) {
    violations.push(`${text.slice(0, 100)}: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
    return { type: "INVALID_FRAME", text };
  }
  return json as Frame; // raw: fields the schema does not know stay visible
}

export class Socket extends FrameClient {
  readonly violations: string[];

  private constructor(ws: WebSocket, timeoutMs: number) {
    const violations: string[] = [];
    super(ws as unknown as globalThis.WebSocket, { timeoutMs, parse: (text) => parseInto(violations, text) });
    this.violations = violations;
  }

  /** The subprotocol the server chose ("" for none). */
  get protocol(): string {
    return (this.ws as unknown as WebSocket).protocol;
  }

  static open(url: string, o: SocketOptions = {}): Promise<Socket> {
    const inQuery = o.token !== undefined && o.tokenIn === "query";
    const full = inQuery ? `${url}${url.includes("?") ? "&" : "?"}token=${encodeURIComponent(o.token!)}` : url;
    const protocols = o.token !== undefined && !inQuery ? [SUBPROTOCOL, `${BEARER_PREFIX}${o.token}`] : undefined;
    const ws = new WebSocket(full, protocols, { headers: o.origin ? { Origin: o.origin } : {}, maxPayload: 64 * 1024 * 1024 });
    const socket = new Socket(ws, o.timeoutMs ?? 10_000);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${url}: no open in 10 s`)), 10_000);
      ws.once("open", () => {
        clearTimeout(timer);
        resolve(socket);
      });
      ws.once("unexpected-response", (_req, res) => {
        clearTimeout(timer);
        reject(new Error(`${url}: the upgrade was answered HTTP ${res.statusCode}`));
      });
      ws.once("error", (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
  }

  /** Sends an over-large or raw text frame as is; objects as JSON. */
  sendText(text: string): void {
    (this.ws as unknown as WebSocket).send(text);
  }

  async close(code = 1000, reason = "done"): Promise<void> {
    if (this.closed) return;
    try {
      this.ws.close(code, reason);
    } catch {
      /* closing already */
    }
    await this.waitClosed().catch(() => (this.ws as unknown as WebSocket).terminate());
  }

  /** Reads frames until `pred` matches one (skipping others). */
  async waitFor(pred: (f: Frame) => boolean, timeoutMs?: number): Promise<Frame> {
    for (;;) {
      const f = await this.next(undefined, timeoutMs);
      if (pred(f)) return f;
    }
  }
}
