/**
 * docs/protocol.md 7, 8, 9 and 10: every client message and its answer, the event the other devices
 * get, idempotent ids, compare-and-set, REFRESH, presence and the heartbeat.
 */
import { clean, equal, errorFrame, has, ok } from "../expect.js";
import type { Report } from "../report.js";
import type { Frame, Socket } from "../socket.js";
import type { Target } from "../target.js";

/** Sends a message and reads the answer with its id. */
async function ask(s: Socket, message: Record<string, unknown>): Promise<Frame> {
  s.send(message);
  return s.waitFor((f) => f.id === message.id && (f.type === "ACCEPTED" || f.type === "ERROR"));
}

export async function messages(t: Target, r: Report): Promise<void> {
  r.section("Client messages, events, presence, heartbeat (7, 8, 9, 10)");
  const user = t.user("messages");
  const phone = await t.device(user, "phone");
  const laptop = await t.device(user, "laptop");
  const a = phone.socket;
  const b = laptop.socket;

  await r.check("text ping is answered with the text pong", async () => {
    a.sendText("ping");
    await a.next("pong");
  });

  await r.check("PING {t} is answered PONG {t, serverTime}", async () => {
    a.send({ type: "PING", data: { t: 42 } });
    const pong = await a.next("PONG");
    has(pong, { t: 42 }, "PONG");
    ok(typeof pong.serverTime === "number", "serverTime");
  });

  const updates: [string, Record<string, unknown>, string, Record<string, unknown>][] = [
    ["UPDATE_PROGRESS", { shootId: "s1", status: "queued", processedCount: 0, totalCount: 50 }, "SHOOT_PROGRESS", { shootId: "s1" }],
    ["LIMBIC_UPDATE", { valence: 0.65 }, "LIMBIC_UPDATE", { valence: 0.65 }],
    ["CONVERGENCE_UPDATE", { currentQuestion: 3, answers: { q1: "mornings" } }, "CONVERGENCE_UPDATE", { currentQuestion: 3 }],
    ["POSTURE_CHANGE", { posture: "peer", reason: "conformance" }, "POSTURE_CHANGE", { posture: "peer" }],
  ];
  for (const [type, data, eventType, eventData] of updates) {
    await r.check(`${type}: ACCEPTED {id, seq, ts} to the sender; the other device gets ${eventType} from the sender`, async () => {
      const answer = await ask(a, { type, id: `m-${type}`, data });
      has(answer, { type: "ACCEPTED", id: `m-${type}` }, "the answer");
      ok(typeof answer.seq === "number" && typeof answer.ts === "number", `seq and ts: ${JSON.stringify(answer)}`);
      has(await b.waitFor((f) => f.seq === answer.seq), { type: eventType, seq: answer.seq, ts: answer.ts, data: eventData, from: "phone" }, `the laptop's ${eventType}`);
    });
  }

  await r.check("a repeated id gets exactly the first answer and is not applied again", async () => {
    const again = await ask(a, { type: "LIMBIC_UPDATE", id: "m-LIMBIC_UPDATE", data: { valence: 0.65 } });
    const first = a.frames.find((f) => f.id === "m-LIMBIC_UPDATE" && f.type === "ACCEPTED");
    equal(again, first, "the repeat's answer");
    a.send({ type: "STATE_SYNC", id: "sync-1" });
    const state = await a.next("STATE");
    await a.waitFor((f) => f.id === "sync-1");
    equal((state.versions as Record<string, number>).limbic, first!.seq, "limbic's version is still the first seq");
  });

  await r.check("baseVersion: a stale one is refused with CONFLICT {current, currentVersion}; the current one applies", async () => {
    const stale = await ask(a, { type: "POSTURE_CHANGE", id: "cas-1", baseVersion: 1, data: { posture: "expert" } });
    errorFrame(stale, "CONFLICT", "cas-1");
    has(stale, { current: { posture: "peer" } }, "current");
    const good = await ask(a, { type: "POSTURE_CHANGE", id: "cas-2", baseVersion: stale.currentVersion, data: { posture: "expert" } });
    has(good, { type: "ACCEPTED" }, "with currentVersion");
  });

  await r.check("at (7.3.1): a time in the future counts as now (clamped); the event carries at when it differs from ts", async () => {
    const answer = await ask(a, { type: "POSTURE_CHANGE", id: "at-1", at: Date.now() - 60_000, data: { posture: "companion" } });
    has(answer, { type: "ACCEPTED" }, "the answer");
    ok(typeof answer.at === "number" && (answer.at as number) < (answer.ts as number), `at before ts: ${JSON.stringify(answer)}`);
    has(await b.waitFor((f) => f.seq === answer.seq), { type: "POSTURE_CHANGE", at: answer.at }, "the laptop's event");
    const future = await ask(a, { type: "POSTURE_CHANGE", id: "at-2", at: Date.now() + 3_600_000, data: { posture: "peer" } });
    ok(!("at" in future), `a future at is now, so no at: ${JSON.stringify(future)}`);
  });

  await r.check("ACK {seq}: ACCEPTED {id}; the device list shows ackedSeq; without an id there is no answer", async () => {
    const answer = await ask(a, { type: "ACK", id: "ack-1", data: { seq: 2 } });
    equal(answer, { type: "ACCEPTED", id: "ack-1" }, "the answer");
    a.send({ type: "STATE_SYNC", id: "sync-2" });
    const state = await a.next("STATE");
    await a.waitFor((f) => f.id === "sync-2");
    has((state.devices as Frame[]).find((d) => d.deviceId === "phone")!, { ackedSeq: 2 }, "phone's ackedSeq");
  });

  await r.check("STATE_SYNC: a full STATE (reset: true), then ACCEPTED {id}", async () => {
    a.drain();
    a.send({ type: "STATE_SYNC", id: "sync-3" });
    const state = await a.next();
    has(state, { type: "STATE", reset: true }, "STATE");
    ok(["limbic", "convergence", "posture", "shoots.s1"].every((k) => k in (state.state as object)), `keys: ${Object.keys(state.state as object)}`);
    equal(await a.next(), { type: "ACCEPTED", id: "sync-3" }, "then ACCEPTED");
  });

  await r.check("DREAM_START: ACCEPTED {cycleId, seq}; the other device gets DREAM_QUEUED, then the cycle's DREAM_PROGRESS and DREAM_RESULT", async () => {
    const answer = await ask(a, { type: "DREAM_START", id: "dream-1", data: { windowHours: 1 } });
    ok(typeof answer.cycleId === "string" && typeof answer.seq === "number", `the answer: ${JSON.stringify(answer)}`);
    has(await b.next("DREAM_QUEUED"), { seq: answer.seq, data: { cycleId: answer.cycleId, trigger: "device" } }, "DREAM_QUEUED");
    has(await b.next("DREAM_PROGRESS", 30_000), { data: { cycleId: answer.cycleId } }, "DREAM_PROGRESS");
    const end = await b.waitFor((f) => f.type === "DREAM_RESULT" || f.type === "DREAM_FAILED", 60_000);
    has(end, { type: "DREAM_RESULT", data: { cycleId: answer.cycleId } }, "the cycle's end");
  }, 70_000);

  await r.check("DREAM_CANCEL of a cycle that is not queued or running: ERROR NOT_FOUND", async () => {
    errorFrame(await ask(a, { type: "DREAM_CANCEL", id: "cancel-0", data: { cycleId: "dc-none" } }), "NOT_FOUND", "cancel-0");
  });

  await r.check("DREAM_CANCEL of a queued cycle: ACCEPTED; the other device gets DREAM_CANCELLED", async () => {
    const ids = ["q-1", "q-2", "q-3"];
    for (const id of ids) a.send({ type: "DREAM_START", id, data: { windowHours: 1 } });
    const last = await a.waitFor((f) => f.id === "q-3");
    has(last, { type: "ACCEPTED" }, "the third start");
    const cancel = await ask(a, { type: "DREAM_CANCEL", id: "cancel-1", data: { cycleId: last.cycleId } });
    if (cancel.type === "ERROR") throw new Error(`the queued cycle had already run: ${JSON.stringify(cancel)} (cycles ran faster than the messages came)`);
    has(cancel, { type: "ACCEPTED" }, "the answer");
    has(await b.waitFor((f) => f.type === "DREAM_CANCELLED", 30_000), { data: { cycleId: last.cycleId } }, "DREAM_CANCELLED");
  }, 40_000);

  await r.check("DREAM_SCHEDULE: ACCEPTED {seq, nextAt}; the other device gets DREAM_SCHEDULE", async () => {
    const answer = await ask(a, { type: "DREAM_SCHEDULE", id: "sched-1", data: { enabled: true, hour: 3, minute: 0, utcOffsetMinutes: 60 } });
    ok(answer.type === "ACCEPTED" && typeof answer.nextAt === "number", `the answer: ${JSON.stringify(answer)}`);
    has(await b.waitFor((f) => f.seq === answer.seq), { type: "DREAM_SCHEDULE", data: { enabled: true, hour: 3 } }, "the laptop's DREAM_SCHEDULE");
  });

  await r.check("REFRESH {token}: ACCEPTED {id}; the socket lives on", async () => {
    const answer = await ask(a, { type: "REFRESH", id: "refresh-1", data: { token: await t.userToken(user, { ttl: 900 }) } });
    equal(answer, { type: "ACCEPTED", id: "refresh-1" }, "the answer");
    a.sendText("ping");
    await a.next("pong");
  });

  await r.check("presence: DEVICE_CONNECTED when another device comes online, DEVICE_DISCONNECTED when it leaves", async () => {
    const tablet = await t.device(user, "tablet", { platform: "ipad" });
    has(await a.waitFor((f) => f.type === "DEVICE_CONNECTED" && (f.device as Frame).deviceId === "tablet"), { device: { deviceId: "tablet", platform: "ipad", online: true } }, "DEVICE_CONNECTED");
    await tablet.socket.close();
    has(await a.waitFor((f) => f.type === "DEVICE_DISCONNECTED" && (f.device as Frame).deviceId === "tablet", 10_000), { device: { deviceId: "tablet", online: false, connections: 0 } }, "DEVICE_DISCONNECTED");
  });

  await r.check("every frame received on these sockets matched protocol/", async () => {
    clean(a, b);
  });
  await a.close();
  await b.close();
}
