/** docs/protocol.md 7.4 and 12: every ERROR code a socket can get, with `retryable` as the table says. */
import { equal, errorFrame, has, ok } from "../expect.js";
import type { Report } from "../report.js";
import type { Frame, Socket } from "../socket.js";
import type { Target } from "../target.js";

async function answerTo(s: Socket, id: string): Promise<Frame> {
  return s.waitFor((f) => f.id === id && (f.type === "ACCEPTED" || f.type === "ERROR"));
}

export async function socketErrors(t: Target, r: Report): Promise<void> {
  r.section("ERROR frames (7.4, 12)");
  const svc = await t.serviceToken();
  const user = t.user("errors");
  const { socket: s } = await t.device(user, "phone");

  await r.check("BAD_JSON: a frame that is not JSON (no id)", async () => {
    s.sendText("{not json");
    const f = await s.next("ERROR");
    errorFrame(f, "BAD_JSON");
    ok(!("id" in f), "no id");
  });

  await r.check("INVALID_MESSAGE with issues [{path, message}]: bad data, a missing data, baseVersion on ACK, an unknown field", async () => {
    const bad = await (s.send({ type: "LIMBIC_UPDATE", id: "e-1", data: { trust: 2 } }), answerTo(s, "e-1"));
    errorFrame(bad, "INVALID_MESSAGE", "e-1");
    has((bad.issues as Frame[])[0]!, { path: "data.trust" }, "the issue");
    errorFrame(await (s.send({ type: "PING", id: "e-2" }), answerTo(s, "e-2")), "INVALID_MESSAGE", "e-2");
    errorFrame(await (s.send({ type: "ACK", id: "e-3", baseVersion: 3, data: { seq: 1 } }), answerTo(s, "e-3")), "INVALID_MESSAGE", "e-3");
    errorFrame(await (s.send({ type: "ACK", id: "e-4", data: { seq: 1 }, extra: true }), answerTo(s, "e-4")), "INVALID_MESSAGE", "e-4");
  });

  await r.check("UNKNOWN_TYPE", async () => {
    errorFrame(await (s.send({ type: "HELLO", id: "e-5", data: {} }), answerTo(s, "e-5")), "UNKNOWN_TYPE", "e-5");
  });

  await r.check("STATE_TOO_LARGE: convergence answers past MAX_ANSWERS", async () => {
    const answers = Object.fromEntries(Array.from({ length: 201 }, (_, i) => [`q${i}`, "a"]));
    errorFrame(await (s.send({ type: "CONVERGENCE_UPDATE", id: "e-6", data: { answers } }), answerTo(s, "e-6")), "STATE_TOO_LARGE", "e-6");
  });

  await r.check("TOO_MANY_SHOOTS (retryable): a new shoot while MAX_SHOOTS unfinished shoots exist", async () => {
    const u = t.user("ws-shoots");
    const events = Array.from({ length: 500 }, (_, i) => ({ userId: u, type: "SHOOT_PROGRESS", data: { shootId: `s${i}`, status: "processing", processedCount: 0, totalCount: 10 } }));
    equal((await t.http("/api/sync/batch", { token: svc, body: { events } })).status, 202, "setup batch");
    const d = await t.device(u, "phone");
    d.socket.send({ type: "UPDATE_PROGRESS", id: "e-7", data: { shootId: "one-more", status: "queued", processedCount: 0, totalCount: 1 } });
    errorFrame(await answerTo(d.socket, "e-7"), "TOO_MANY_SHOOTS", "e-7");
    await d.socket.close();
  }, 60_000);

  await r.check("QUEUE_FULL (retryable): DREAM_START while cycles wait", async () => {
    const u = t.user("ws-dreams");
    const d = await t.device(u, "phone");
    for (let i = 0; i < 12; i++) d.socket.send({ type: "DREAM_START", id: `q-${i}`, data: { windowHours: 1 } });
    const answers = await Promise.all(Array.from({ length: 12 }, (_, i) => answerTo(d.socket, `q-${i}`)));
    const full = answers.find((a) => a.type === "ERROR");
    ok(full, "12 DREAM_STARTs at once were all accepted: none waited (cycles finished faster than they came)");
    errorFrame(full!, "QUEUE_FULL");
    await d.socket.close();
  });

  await r.check("RATE_LIMITED (retryable) with retryAfterMs past the per-user message budget; not applied", async () => {
    const u = t.user("ws-rate");
    const d = await t.device(u, "phone");
    let limited: Frame | undefined;
    for (let i = 0; i < 400 && !limited; i++) {
      d.socket.send({ type: "ACK", id: `r-${i}`, data: { seq: 0 } });
      const a = await answerTo(d.socket, `r-${i}`);
      if (a.type === "ERROR") limited = a;
    }
    ok(limited, "400 messages in a row were all accepted (assumes RATE_LIMIT_PER_MINUTE < 400)");
    errorFrame(limited!, "RATE_LIMITED");
    ok(typeof limited!.retryAfterMs === "number" && (limited!.retryAfterMs as number) > 0, `retryAfterMs: ${limited!.retryAfterMs}`);
    await d.socket.close();
  });

  await s.close();
}
