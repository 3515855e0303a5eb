/**
 * The scripted fake server (`npm run conformance -- --serve`): plays the server's side of the
 * scenarios in scenarios.ts for a client under test. Point the client at
 * `ws://<host>:<port>/s/<scenario>/<run>/ws` (`<run>` is any name: each run has its own history and
 * connection count; `/s/<scenario>/ws` is run `default`), then read what the client did at
 * `GET /s/<scenario>/<run>/log`. `GET /` lists the scenarios with what each plays and expects.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { WebSocketServer } from "ws";
import { SUBPROTOCOL } from "../../protocol/index.js";
import { defaultAnswer, errorFrame } from "./answers.js";
import { Connection } from "./connection.js";
import { History } from "./history.js";
import { SCENARIOS, scenarioNamed, type Run, type Scenario } from "./scenarios.js";

export interface FakeServer {
  /** `http://<host>:<port>` */
  url: string;
  port: number;
  close(): Promise<void>;
}

const PATH = /^\/s\/([A-Za-z0-9-]+)(?:\/([A-Za-z0-9._-]{1,64}))?\/(ws|log|reset)$/;

export async function startFakeServer(o: { port: number; host: string; log?: (line: string) => void }): Promise<FakeServer> {
  const say = o.log ?? (() => {});
  const runs = new Map<string, Run>();
  const runOf = (scenario: Scenario, name: string): Run => {
    const key = `${scenario.name}/${name}`;
    let run = runs.get(key);
    if (!run) {
      run = { history: new History(scenario.name === "epoch-change" ? "fake-epoch-a" : "fake-epoch-1"), connections: [], notes: {} };
      runs.set(key, run);
    }
    return run;
  };

  const json = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { "Content-Type": "application/json" }).end(`${JSON.stringify(body, null, 2)}\n`);
  };

  const http = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://fake");
    if (url.pathname === "/" || url.pathname === "/scenarios") {
      return json(res, 200, {
        scenarios: SCENARIOS.map((s) => ({ name: s.name, url: `/s/${s.name}/<run>/ws`, plays: s.plays, expect: s.expect })),
        close: { name: "close-<code>", url: "/s/close-<code>/<run>/ws", plays: "catch-up, then a close with <code> (1000-4999)", expect: "what closeAction(<code>) says: stop, refresh, backoff or reconnect" },
        log: "/s/<scenario>/<run>/log: every connection of the run (query, token digest, messages received, contract violations, close)",
      });
    }
    const m = PATH.exec(url.pathname);
    const scenario = m ? scenarioNamed(m[1]!) : undefined;
    if (!m || !scenario || m[3] === "ws") return json(res, m && scenario ? 426 : 404, { error: { code: m && scenario ? "UPGRADE_REQUIRED" : "NOT_FOUND", message: `no ${req.method} ${url.pathname}` } });
    const runName = m[2] ?? "default";
    if (m[3] === "reset" && req.method === "POST") {
      runs.delete(`${scenario.name}/${runName}`);
      return json(res, 200, { reset: true });
    }
    const run = runOf(scenario, runName);
    return json(res, 200, { scenario: scenario.name, run: runName, expect: scenario.expect, epoch: run.history.epoch, seq: run.history.seq, notes: run.notes, connections: run.connections.map((c) => c.log) });
  });

  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: 65536,
    handleProtocols: (protocols) => (protocols.has(SUBPROTOCOL) ? SUBPROTOCOL : false),
  });

  http.on("upgrade", (req, socket, head) => {
    const url = new URL(req.url ?? "/", "http://fake");
    const m = PATH.exec(url.pathname);
    const scenario = m && m[3] === "ws" ? scenarioNamed(m[1]!) : undefined;
    if (!m || !scenario) {
      socket.end("HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n");
      return;
    }
    const run = runOf(scenario, m[2] ?? "default");
    wss.handleUpgrade(req, socket, head, (ws) => {
      const protocols = (req.headers["sec-websocket-protocol"] ?? "").split(",").map((p) => p.trim()).filter(Boolean);
      const c = new Connection(ws, run.connections.length + 1, Object.fromEntries(url.searchParams), protocols);
      run.connections.push(c);
      const tag = `[${scenario.name}/${m[2] ?? "default"} #${c.n}]`;
      say(`${tag} open ${new URLSearchParams(c.query)}`);
      ws.on("message", (raw, isBinary) => {
        if (isBinary) return c.send(errorFrame(undefined, "BAD_JSON", "binary frames are not part of the protocol"));
        const msg = c.accept(raw.toString());
        if (msg === "ping") return c.send("pong");
        if (msg === undefined) return c.send(errorFrame(undefined, "INVALID_MESSAGE", `not a valid client message: ${c.log.violations.at(-1)}`));
        if (!scenario.answer?.(c, msg, run)) defaultAnswer(c, msg, run.history);
      });
      ws.on("close", (code, reason) => {
        c.log.closed ??= { by: "client", code, reason: reason.toString(), at: Date.now() };
        say(`${tag} closed ${c.log.closed.code} by ${c.log.closed.by}`);
      });
      Promise.resolve(scenario.play(c, run)).catch((err: unknown) => {
        say(`${tag} script failed: ${String(err)}`);
        c.close(1011, "fake server script failed");
      });
    });
  });

  await new Promise<void>((resolve, reject) => {
    http.once("error", reject);
    http.listen(o.port, o.host, () => resolve());
  });
  const port = (http.address() as AddressInfo).port;
  const url = `http://${o.host}:${port}`;
  say(`Nerve conformance fake server on ${url}`);
  say(`scenarios (ws://${o.host}:${port}/s/<scenario>/<run>/ws): ${SCENARIOS.map((s) => s.name).join(", ")}, close-<code>`);
  say(`what each plays and expects: GET ${url}/   what a run saw: GET ${url}/s/<scenario>/<run>/log`);
  return {
    url,
    port,
    close: () => new Promise<void>((resolve) => {
      for (const ws of wss.clients) ws.terminate();
      wss.close();
      http.close(() => resolve());
      http.closeAllConnections();
    }),
  };
}
