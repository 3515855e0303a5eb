/**
 * Exact sync against a real `wrangler dev`: ghost sockets do not lock a user out, a message in
 * flight when the server closes its socket applies once however often it is retried, and an
 * erased user leaves nothing of their data in the hub's SQLite files.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { http, openSocket, startNerve, type Nerve, type WsClient } from "./harness.js";
import { Proxy } from "./tcp-proxy.js";

const MAX_CONNECTIONS = 5;
const HEARTBEAT_MS = 1000;
const ABUSE_LIMIT = 3;

let nerve: Nerve;
let proxy: Proxy;
let service: string;
const open: WsClient[] = [];

beforeAll(async () => {
  nerve = await startNerve({
    vars: { MAX_CONNECTIONS_PER_USER: String(MAX_CONNECTIONS), HEARTBEAT_MS: String(HEARTBEAT_MS), ABUSE_REJECTIONS_PER_MINUTE: String(ABUSE_LIMIT) },
  });
  proxy = new Proxy(nerve.port);
  await proxy.start();
  service = await nerve.serviceToken();
});

afterAll(async () => {
  for (const c of open) await c.close().catch(() => {});
  await proxy?.stop();
  await nerve?.stop();
});

async function connect(user: string, device: string, query = "", base = nerve.wsUrl): Promise<WsClient> {
  const ws = await openSocket(`${base}?platform=cli${query}`, ["nerve.v1", `bearer.${await nerve.userToken(user, device)}`]);
  open.push(ws);
  return ws;
}

/** Every event of the user's log, read through the HTTP API. */
async function eventsOf(user: string) {
  const page = await http(nerve.url, "/api/me/events?since=0&limit=500", { token: await nerve.userToken(user) });
  expect(page.status).toBe(200);
  return page.json.events as { type: string; seq: number; data: Record<string, unknown> }[];
}

describe("exact sync against wrangler dev", () => {
  it("sockets silenced by the network count for nothing after the sweep: a new device connects at once", async () => {
    const user = `ghost-${Date.now().toString(36)}`;
    const viaProxy = `ws://127.0.0.1:${proxy.port}/ws`;
    // Each tunnel pings until the blackhole, so that none is swept as silent before the limit is
    // checked (a connect sweeps sockets silent for 2 heartbeats, 2 s here; a slow machine takes
    // that long to open six). The blackhole swallows the pings after it.
    const pingers: ReturnType<typeof setInterval>[] = [];
    for (let i = 0; i < MAX_CONNECTIONS; i++) {
      const ws = await connect(user, `tunnel-${i}`, "", viaProxy);
      pingers.push(setInterval(() => ws.closed || ws.send("ping"), HEARTBEAT_MS / 4));
      await ws.catchUp();
    }
    // At the limit, a sixth is refused: the limit itself works.
    const refused = await connect(user, "extra");
    expect((await refused.waitClosed()).code).toBe(4009);

    proxy.blackhole = true; // half-open: no close frame, no FIN, no pings
    try {
      // The sweep closes silent sockets after 2-4 heartbeats; the runtime keeps them until a close
      // handshake that never comes. Wait until presence says they are gone (or fail saying so).
      const deadline = Date.now() + 20_000;
      let online = MAX_CONNECTIONS;
      while (Date.now() < deadline) {
        const me = await http(nerve.url, "/api/me", { token: await nerve.userToken(user) });
        online = (me.json.devices as { online: boolean }[]).filter((d) => d.online).length;
        if (online === 0) break;
        await new Promise((r) => setTimeout(r, 250));
      }
      expect(online).toBe(0);
      const fresh = await connect(user, "phone");
      const frames = await fresh.catchUp();
      expect(frames[0]).toMatchObject({ type: "WELCOME", deviceId: "phone" });
      expect(fresh.closed).toBeNull();
      const state = frames.find((f) => f.type === "STATE") as unknown as { devices: { deviceId: string; online: boolean }[] };
      expect(state.devices.filter((d) => d.online).map((d) => d.deviceId)).toEqual(["phone"]);
    } finally {
      pingers.forEach(clearInterval);
      proxy.blackhole = false;
      proxy.cut();
    }
  });

  for (const [name, trigger, code] of [
    ["an oversized frame (1009)", (ws: WsClient) => ws.send("x".repeat(70_000)), 1009],
    ["too many refused messages (4008)", (ws: WsClient) => {
      for (let i = 0; i <= ABUSE_LIMIT; i++) ws.send("not json");
    }, 4008],
  ] as const) {
    it(`a message right behind ${name} is applied once, however often it is retried`, async () => {
      const user = `close-${code}-${Date.now().toString(36)}`;
      const ws = await connect(user, "desk");
      await ws.catchUp();
      const message = { type: "LIMBIC_UPDATE", id: "retry-me", data: { trust: 0.8 } };
      trigger(ws);
      ws.send(message);
      expect((await ws.waitClosed()).code).toBe(code);

      // The client never saw ACCEPTED, so it resends with the same id, as the docs tell it to; twice.
      const answers = [];
      for (let i = 0; i < 2; i++) {
        const again = await connect(user, "desk", "&since=0");
        await again.catchUp();
        again.send(message);
        answers.push(await again.next("ACCEPTED"));
        await again.close();
      }
      expect(answers[0]).toEqual({ type: "ACCEPTED", id: "retry-me", seq: 1, ts: expect.any(Number) });
      expect(answers[1]).toEqual(answers[0]);
      expect((await eventsOf(user)).map((e) => [e.type, e.seq])).toEqual([["LIMBIC_UPDATE", 1]]);
    });
  }

  it("erasure leaves none of the user's data in the hub's SQLite files, closes sockets with 4011, and starts a new epoch", async () => {
    const user = `erase-${Date.now().toString(36)}`;
    const marker = `MARKER${Math.random().toString(36).slice(2, 12).toUpperCase()}`;
    const ws = await connect(user, "laptop");
    const welcome = (await ws.catchUp())[0]!;
    const pinger = setInterval(() => ws.closed || ws.send("ping"), HEARTBEAT_MS / 4); // alive to the sweep
    for (let i = 0; i < 20; i++) {
      const r = await http(nerve.url, "/api/sync/prompt-change", { token: service, body: { userId: user, promptId: `p-${i}`, action: "created", title: `${marker} ${i}` }, headers: { "Idempotency-Key": `${marker}-key-${i}` } });
      expect(r.status).toBe(202);
    }
    const hubFiles = () => filesUnder(nerve.persistDir).filter((f) => /\.sqlite(-wal|-shm)?$/.test(f));
    expect(hubFiles().some((f) => readFileSync(f).includes(marker))).toBe(true); // the check can see data

    const erased = await http(nerve.url, `/api/sync/users/${user}`, { method: "DELETE", token: service });
    expect(erased.status).toBe(200);
    expect(erased.json.epoch).toMatch(/^[A-Za-z0-9_-]{1,32}$/);
    expect(erased.json.epoch).not.toBe(welcome.epoch);
    expect((await ws.waitClosed()).code).toBe(4011);
    clearInterval(pinger);

    expect(hubFiles().filter((f) => readFileSync(f).includes(marker))).toEqual([]);

    // A device resuming with the old cursor and epoch gets a reset, and the new history from 1.
    const r = await http(nerve.url, "/api/sync/credit-update", { token: service, body: { userId: user, newBalance: 5, change: 5, reason: "new" } });
    expect(r.json.seq).toBe(1);
    const back = await connect(user, "laptop", `&since=20&epoch=${welcome.epoch}`);
    const frames = await back.catchUp();
    expect(frames[0]).toMatchObject({ type: "WELCOME", resumed: false, seq: 1, epoch: erased.json.epoch });
    expect(frames[1]).toMatchObject({ type: "STATE", reset: true, state: { credits: { newBalance: 5, change: 5, reason: "new" } } });
  });
});

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}
