import { createConnection, createServer, type Server, type Socket } from "node:net";
import { freePort } from "./harness.js";

/** A TCP proxy to the Worker: `cut()` destroys every live connection, `down` refuses new ones, `blackhole` stops forwarding. */
export class Proxy {
  readonly pairs = new Set<[Socket, Socket]>();
  down = false;
  blackhole = false;
  /**
   * A network partition, as when a phone loses its network: nothing is forwarded, and a client
   * that closes its end is not told to the server (no FIN crosses), so the server sees silence.
   */
  partition = false;
  accepted = 0;
  private server!: Server;
  port = 0;

  constructor(private readonly target: number) {}

  async start(): Promise<void> {
    this.port = await freePort();
    this.server = createServer((client) => {
      if (this.down) return client.destroy();
      this.accepted++;
      const upstream = createConnection({ host: "127.0.0.1", port: this.target });
      const pair: [Socket, Socket] = [client, upstream];
      this.pairs.add(pair);
      const forward = (from: Socket, to: Socket) => from.on("data", (d) => {
        if (!this.blackhole && !this.partition) to.write(d);
      });
      forward(client, upstream);
      forward(upstream, client);
      const end = () => {
        client.destroy();
        upstream.destroy();
        this.pairs.delete(pair);
      };
      const clientGone = () => {
        if (this.partition) return; // the server's side stays open and silent until cut() or its own close
        end();
      };
      client.on("close", clientGone).on("error", clientGone);
      upstream.on("close", end).on("error", end);
    });
    await new Promise<void>((r) => this.server.listen(this.port, "127.0.0.1", r));
  }

  /** Drops every connection at the TCP level: no WebSocket close frame reaches either side. */
  cut(): void {
    for (const [a, b] of this.pairs) {
      a.resetAndDestroy();
      b.destroy();
    }
    this.pairs.clear();
  }

  stop(): Promise<void> {
    this.cut();
    return new Promise((r) => this.server.close(() => r()));
  }
}
