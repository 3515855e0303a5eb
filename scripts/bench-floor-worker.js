// The benchmark's floor: a Worker and a Durable Object doing the least a sync service must do —
// one SQLite insert per event, then a send to each open socket — with no auth, no validation, no
// state, no idempotency. `npm run bench` serves it on plain workerd beside Nerve and prints
// Nerve's figures as ratios to it. Plain JavaScript: served as is, never bundled.
import { DurableObject } from "cloudflare:workers";

export class UserHub extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS events (seq INTEGER PRIMARY KEY, data TEXT NOT NULL)");
  }

  fetch() {
    const [client, server] = Object.values(new WebSocketPair());
    this.ctx.acceptWebSocket(server);
    return new Response(null, { status: 101, webSocket: client });
  }

  /** Appends each item (one transaction) and sends each to every socket; returns the seqs. */
  publish(items) {
    const sql = this.ctx.storage.sql;
    const seqs = this.ctx.storage.transactionSync(() => items.map((data) => {
      const text = JSON.stringify(data);
      return sql.exec("INSERT INTO events (data) VALUES (?) RETURNING seq", text).one().seq;
    }));
    const sockets = this.ctx.getWebSockets();
    items.forEach((data, i) => {
      const frame = JSON.stringify({ type: "EVENT", seq: seqs[i], data });
      for (const ws of sockets) ws.send(frame);
    });
    return seqs;
  }

  webSocketMessage() {}
  webSocketClose(ws, code, reason) {
    ws.close(code === 1005 || code === 1006 ? 1000 : code, reason);
  }
}

const hub = (env, userId) => env.USER_HUB.get(env.USER_HUB.idFromName(userId));

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname === "/ws") return hub(env, url.searchParams.get("user")).fetch(request);
    if (url.pathname === "/api/sync/status") return Response.json({ ok: true });
    if (request.method !== "POST") return new Response("not found", { status: 404 });
    const body = await request.json();
    if (url.pathname === "/api/sync/batch") {
      const byUser = new Map();
      for (const e of body.events) byUser.set(e.userId, [...(byUser.get(e.userId) ?? []), e]);
      const results = [];
      for (const [userId, events] of byUser) {
        const seqs = await hub(env, userId).publish(events.map((e) => e.data));
        seqs.forEach((seq) => results.push({ userId, seq }));
      }
      return Response.json({ results }, { status: 202 });
    }
    const [seq] = await hub(env, body.userId).publish([body]);
    return Response.json({ seq }, { status: 202 });
  },
};
