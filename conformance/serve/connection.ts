/**
 * One client connection to the fake server, as a scenario sees it: what the client asked for (query,
 * token), frames to send, a close, and the client's messages as they arrive. Everything is logged
 * for GET /s/<scenario>/<run>/log.
 */
import { createHash } from "node:crypto";
import type WebSocket from "ws";
import { CLIENT_MESSAGE_DATA, ClientEnvelope, DATA_OPTIONAL, type ClientMessageType } from "../../protocol/index.js";
import type { Json } from "./history.js";

export interface ClientMessage { type: string; id?: string; data?: Json; baseVersion?: number; at?: number }

export interface ConnectionLog {
  n: number;
  query: Record<string, string>;
  /** Where the token came from, and a digest of it (never the token): a refreshed token has another. */
  token: { in: "subprotocol" | "query" | "none"; sha256?: string };
  protocols: string[];
  openedAt: number;
  /** Every valid client frame, with when it arrived (ms since 1970). */
  received: { at: number; message: ClientMessage | "ping" }[];
  /** Client frames that break the contract (docs/schema/client-messages.json), with why. */
  violations: string[];
  closed?: { by: "server" | "client"; code: number; reason: string; at: number };
}

export class Connection {
  readonly log: ConnectionLog;
  private waiters: ((m: ClientMessage) => boolean)[] = [];

  constructor(private readonly ws: WebSocket, n: number, query: Record<string, string>, protocols: string[]) {
    const fromProtocol = protocols.find((p) => p.startsWith("bearer."))?.slice("bearer.".length);
    const token = query.token ?? fromProtocol;
    this.log = {
      n, query: Object.fromEntries(Object.entries(query).filter(([k]) => k !== "token")), protocols: protocols.map((p) => (p.startsWith("bearer.") ? "bearer.<token>" : p)),
      token: token ? { in: query.token ? "query" : "subprotocol", sha256: createHash("sha256").update(token).digest("hex").slice(0, 16) } : { in: "none" },
      openedAt: Date.now(), received: [], violations: [],
    };
  }

  get n(): number {
    return this.log.n;
  }

  get query(): Record<string, string> {
    return this.log.query;
  }

  get open(): boolean {
    return this.ws.readyState === this.ws.OPEN;
  }

  /** The deviceId a real server would settle on: the query's device, else one made up. */
  get deviceId(): string {
    return this.log.query.device ?? "dev-fake-device";
  }

  send(frame: Json | string): void {
    if (this.open) this.ws.send(typeof frame === "string" ? frame : JSON.stringify(frame));
  }

  close(code: number, reason: string): void {
    if (!this.open) return;
    this.log.closed = { by: "server", code, reason, at: Date.now() };
    this.ws.close(code, reason);
  }

  /** Parses and checks a client frame against the contract; undefined (and a violation logged) when it breaks it. */
  accept(text: string): ClientMessage | "ping" | undefined {
    if (text === "ping") {
      this.log.received.push({ at: Date.now(), message: "ping" });
      return "ping";
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      this.log.violations.push(`not JSON: ${text.slice(0, 80)}`);
      return undefined;
    }
    const env = ClientEnvelope.safeParse(json);
    const type = env.success ? env.data.type : undefined;
    const schema = type && Object.hasOwn(CLIENT_MESSAGE_DATA, type) ? CLIENT_MESSAGE_DATA[type as ClientMessageType] : undefined;
    const data = env.success ? env.data.data ?? (DATA_OPTIONAL.has(type!) ? {} : undefined) : undefined;
    const checked = schema?.safeParse(data);
    if (!env.success || !schema || !checked?.success) {
      this.log.violations.push(`${text.slice(0, 120)}: ${!env.success ? env.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ") : !schema ? "unknown type" : checked!.error!.issues.map((i) => `data.${i.path.join(".")}: ${i.message}`).join("; ")}`);
      return undefined;
    }
    const message = json as ClientMessage;
    this.log.received.push({ at: Date.now(), message });
    this.waiters = this.waiters.filter((w) => !w(message));
    return message;
  }

  /** The next client message of `type`, or undefined after `timeoutMs`. */
  next(type: string, timeoutMs = 5000): Promise<ClientMessage | undefined> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        resolve(undefined);
      }, timeoutMs);
      const waiter = (m: ClientMessage) => {
        if (m.type !== type) return false;
        clearTimeout(timer);
        resolve(m);
        return true;
      };
      this.waiters.push(waiter);
    });
  }
}
