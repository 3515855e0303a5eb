/**
 * End to end against a real `wrangler dev` process with real (Node 22) WebSocket clients:
 *   1. two devices connect; a service POST reaches both;
 *   2. one device drops; more POSTs arrive while it is away;
 *   3. it reconnects with `since` and gets what it missed: the changed state keys coalesced in one
 *      STATE frame, the messages one by one in seq order, then SYNCED;
 *   4. the server is stopped and started again on the same persisted state: log and seq survive.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { http, openSocket, startNerve, type Frame, type Nerve, type WsClient } from "./harness.js";

const USER = `e2e-${Date.now().toString(36)}`;
const SERVICE = "e2e-service";
const anyTime = expect.any(Number);
/** The user's epoch, from the first WELCOME: it must stay the same through a restart. */
let epoch = "";
const theEpoch = () => epoch;

let nerve: Nerve;
let persistDir: string;
let service: string;
const open: WsClient[] = [];

const shootBody = (shootId: string, processedCount: number, totalCount = 10) =>
  ({ userId: USER, shootId, status: processedCount >= totalCount ? "completed" : "processing", processedCount, totalCount });
const shootEvent = (seq: number, shootId: string, processedCount: number, totalCount = 10) => ({
  type: "SHOOT_PROGRESS", seq, ts: anyTime, from: SERVICE,
  data: { shootId, status: processedCount >= totalCount ? "completed" : "processing", processedCount, totalCount },
});
const shootState = (shootId: string, processedCount: number, totalCount = 10) =>
  ({ ...shootEvent(0, shootId, processedCount, totalCount).data, updatedAt: anyTime });
const promptEvent = (seq: number, promptId: string, action: string, title: string) =>
  ({ type: "PROMPT_CHANGE", seq, ts: anyTime, from: SERVICE, data: { promptId, action, title } });
const device = (deviceId: string, online: boolean, connections: number, ackedSeq = 0) =>
  ({ deviceId, platform: "ios", online, connections, lastSeen: anyTime, ackedSeq });
/** A device as device lists (STATE.devices) carry it: an online one also says when it was last heard. */
const listed = (deviceId: string, online: boolean, connections: number, ackedSeq = 0) =>
  (online ? { ...device(deviceId, online, connections, ackedSeq), lastHeard: anyTime } : device(deviceId, online, connections, ackedSeq));

async function connect(deviceId: string, query = ""): Promise<WsClient> {
  const ws = await openSocket(`${nerve.wsUrl}?token=${await nerve.userToken(USER, deviceId)}&platform=ios${query}`);
  open.push(ws);
  return ws;
}

async function post(path: string, body: unknown) {
  return http(nerve.url, path, { token: service, body });
}

beforeAll(async () => {
  nerve = await startNerve();
  persistDir = nerve.persistDir;
  service = await nerve.serviceToken("sync:publish sync:read", SERVICE);
});

afterAll(async () => {
  for (const ws of open) await ws.close().catch(() => undefined);
  await nerve?.stop();
});

describe("Nerve end to end (wrangler dev, real sockets)", () => {
  let phone: WsClient;
  let laptop: WsClient;

  test("1. two devices connect; a service POST reaches both", async () => {
    phone = await connect("phone");
    const phoneFrames = await phone.catchUp();
    epoch = String(phoneFrames[0]!.epoch);
    expect(epoch).toMatch(/^[A-Za-z0-9_-]{1,32}$/);
    expect(phoneFrames).toEqual([
      { type: "WELCOME", userId: USER, deviceId: "phone", seq: 0, serverTime: anyTime, heartbeatMs: 30000, resumed: false, epoch: theEpoch(), reconnectSpreadMs: 10000 },
      { type: "STATE", seq: 0, state: {}, versions: {}, reset: true, devices: [listed("phone", true, 1)] },
      { type: "SYNCED", seq: 0 },
    ]);
    laptop = await connect("laptop");
    expect(await laptop.catchUp()).toEqual([
      { type: "WELCOME", userId: USER, deviceId: "laptop", seq: 0, serverTime: anyTime, heartbeatMs: 30000, resumed: false, epoch: theEpoch(), reconnectSpreadMs: 10000 },
      { type: "STATE", seq: 0, state: {}, versions: {}, reset: true, devices: expect.arrayContaining([listed("phone", true, 1), listed("laptop", true, 1)]) },
      { type: "SYNCED", seq: 0 },
    ]);
    expect(await phone.next()).toEqual({ type: "DEVICE_CONNECTED", device: device("laptop", true, 1) });

    const res = await post("/api/sync/shoot-progress", shootBody("s1", 1));
    expect(res.status).toBe(202);
    expect(res.json).toEqual({ seq: 1, delivered: 2 });
    expect(await phone.next()).toEqual(shootEvent(1, "s1", 1));
    expect(await laptop.next()).toEqual(shootEvent(1, "s1", 1));
  });

  test("2. one device drops; six more POSTs reach the other one, in order", async () => {
    await laptop.close();
    expect(await phone.next()).toEqual({ type: "DEVICE_DISCONNECTED", device: device("laptop", false, 0) });

    // Three shoots (state-bearing) and three prompt changes (messages), interleaved: seqs 2..7.
    const sent = [
      ["/api/sync/shoot-progress", shootBody("s2", 3)],
      ["/api/sync/prompt-change", { userId: USER, promptId: "p1", action: "created", title: "Moody" }],
      ["/api/sync/shoot-progress", shootBody("s3", 5)],
      ["/api/sync/prompt-change", { userId: USER, promptId: "p2", action: "updated", title: "Bright" }],
      ["/api/sync/shoot-progress", shootBody("s4", 10)],
      ["/api/sync/prompt-change", { userId: USER, promptId: "p1", action: "deleted", title: "Moody" }],
    ] as const;
    for (const [i, [path, body]] of sent.entries()) {
      const res = await post(path, body);
      expect(res.status).toBe(202);
      expect(res.json).toEqual({ seq: i + 2, delivered: 1 });
    }
    const live: Frame[] = [];
    for (let i = 0; i < sent.length; i++) live.push(await phone.next());
    expect(live).toEqual([
      shootEvent(2, "s2", 3), promptEvent(3, "p1", "created", "Moody"),
      shootEvent(4, "s3", 5), promptEvent(5, "p2", "updated", "Bright"),
      shootEvent(6, "s4", 10), promptEvent(7, "p1", "deleted", "Moody"),
    ]);
  });

  test("3. it reconnects with since and gets what it missed: state coalesced, messages in seq order", async () => {
    // A tick of s2 that supersedes seq 2: on catch-up only the latest value of shoots.s2 arrives.
    expect((await post("/api/sync/shoot-progress", shootBody("s2", 4))).json).toEqual({ seq: 8, delivered: 1 });
    expect(await phone.next()).toEqual(shootEvent(8, "s2", 4));

    // The token in the subprotocol list this time; the server answers with nerve.v1.
    const token = await nerve.userToken(USER, "laptop");
    laptop = await openSocket(`${nerve.wsUrl}?since=1&platform=ios`, ["nerve.v1", `bearer.${token}`]);
    open.push(laptop);
    expect(laptop.ws.protocol).toBe("nerve.v1");
    // shoots.s1 did not change after seq 1, so the resumed STATE (an exact match) leaves it out.
    expect(await laptop.catchUp()).toEqual([
      { type: "WELCOME", userId: USER, deviceId: "laptop", seq: 8, serverTime: anyTime, heartbeatMs: 30000, resumed: true, epoch: theEpoch(), reconnectSpreadMs: 10000 },
      {
        type: "STATE", seq: 8, reset: false,
        state: { "shoots.s2": shootState("s2", 4), "shoots.s3": shootState("s3", 5), "shoots.s4": shootState("s4", 10) },
        versions: { "shoots.s2": 8, "shoots.s3": 4, "shoots.s4": 6 },
        devices: expect.arrayContaining([listed("phone", true, 1), listed("laptop", true, 1)]),
      },
      promptEvent(3, "p1", "created", "Moody"),
      promptEvent(5, "p2", "updated", "Bright"),
      promptEvent(7, "p1", "deleted", "Moody"),
      { type: "SYNCED", seq: 8 },
    ]);
    expect(await phone.next()).toEqual({ type: "DEVICE_CONNECTED", device: device("laptop", true, 1) });

    // Live again: the next POST reaches both.
    expect((await post("/api/sync/shoot-progress", shootBody("s1", 2))).json).toEqual({ seq: 9, delivered: 2 });
    expect(await laptop.next()).toEqual(shootEvent(9, "s1", 2));
    expect(await phone.next()).toEqual(shootEvent(9, "s1", 2));
    laptop.send({ type: "ACK", id: "ack-9", data: { seq: 9 } });
    expect(await laptop.next()).toEqual({ type: "ACCEPTED", id: "ack-9" });
  });

  test("4. a restart on the same persisted state keeps the log, the seq and the cursors", async () => {
    for (const ws of open.splice(0)) await ws.close();
    await nerve.stop();
    // The old server is gone: nothing answers on its port.
    await expect(fetch(`${nerve.url}/api/sync/status`, { signal: AbortSignal.timeout(2000) })).rejects.toThrow();

    nerve = await startNerve({ persistDir });
    expect(nerve.persistDir).toBe(persistDir);
    service = await nerve.serviceToken("sync:publish sync:read", SERVICE);

    const page = await http(nerve.url, "/api/me/events?since=0", { token: await nerve.userToken(USER) });
    expect(page.status).toBe(200);
    expect(page.json).toEqual({
      seq: 9, epoch: theEpoch(), reset: false, hasMore: false,
      events: [
        shootEvent(1, "s1", 1), shootEvent(2, "s2", 3), promptEvent(3, "p1", "created", "Moody"),
        shootEvent(4, "s3", 5), promptEvent(5, "p2", "updated", "Bright"), shootEvent(6, "s4", 10),
        promptEvent(7, "p1", "deleted", "Moody"), shootEvent(8, "s2", 4), shootEvent(9, "s1", 2),
      ],
    });

    const snapshot = await http(nerve.url, `/api/sync/users/${USER}`, { token: service });
    expect(snapshot.status).toBe(200);
    expect(snapshot.json).toEqual({
      seq: 9,
      epoch: theEpoch(),
      state: {
        "shoots.s1": shootState("s1", 2), "shoots.s2": shootState("s2", 4),
        "shoots.s3": shootState("s3", 5), "shoots.s4": shootState("s4", 10),
      },
      versions: { "shoots.s1": 9, "shoots.s2": 8, "shoots.s3": 4, "shoots.s4": 6 },
      devices: expect.arrayContaining([listed("phone", false, 0), listed("laptop", false, 0, 9)]),
    });

    // A device resuming from its cursor after the restart misses nothing and gets nothing twice.
    const laptop2 = await connect("laptop", "&since=9");
    expect(await laptop2.catchUp()).toEqual([
      { type: "WELCOME", userId: USER, deviceId: "laptop", seq: 9, serverTime: anyTime, heartbeatMs: 30000, resumed: true, epoch: theEpoch(), reconnectSpreadMs: 10000 },
      { type: "STATE", seq: 9, state: {}, versions: {}, reset: false, devices: expect.arrayContaining([listed("phone", false, 0), listed("laptop", true, 1, 9)]) },
      { type: "SYNCED", seq: 9 },
    ]);
    // The seq goes on from 9; it is never reused.
    expect((await post("/api/sync/prompt-change", { userId: USER, promptId: "p3", action: "created", title: "After restart" })).json)
      .toEqual({ seq: 10, delivered: 1 });
    expect(await laptop2.next()).toEqual(promptEvent(10, "p3", "created", "After restart"));
  });
});
