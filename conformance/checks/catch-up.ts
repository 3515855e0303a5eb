/** docs/protocol.md 4, 4.1, 5, 5.1 and 8.0: the catch-up sequence, resume, batch, epochs, topics and removals. */
import { clean, equal, has, ok } from "../expect.js";
import type { Report } from "../report.js";
import type { Frame } from "../socket.js";
import type { Target } from "../target.js";

const types = (frames: Frame[]) => frames.map((f) => f.type);

export async function catchUp(t: Target, r: Report): Promise<void> {
  r.section("Catch-up (4, 5, 5.1, 8.0)");
  const svc = await t.serviceToken();
  const user = t.user("catchup");
  const post = async (path: string, body: Record<string, unknown>) => {
    const res = await t.http(`/api/sync/${path}`, { token: svc, body: { userId: user, ...body } });
    if (res.status !== 202) throw new Error(`setup: POST ${path} answered ${res.status} ${res.text}`);
    return res.json as { seq: number };
  };
  // The log: credits (1), shoot ticks (2-3), a prompt (4), limbic (5), a removal (6), another prompt (7).
  await post("credit-update", { newBalance: 10, change: 10, reason: "signup" });
  const first = await t.device(user, "phone");
  const epoch = first.catchUp[0]!.epoch as string;
  await first.socket.close();
  await post("shoot-progress", { shootId: "s1", status: "processing", processedCount: 1, totalCount: 10 });
  await post("shoot-progress", { shootId: "s1", status: "processing", processedCount: 5, totalCount: 10 });
  await post("prompt-change", { promptId: "p1", action: "created", title: "Golden hour" });
  await post("state", { limbic: { trust: 0.9 } });
  const removal = await t.http(`/api/sync/users/${user}/state/credits`, { method: "DELETE", token: svc });
  if (removal.status !== 200) throw new Error(`setup: DELETE credits answered ${removal.status}`);
  await post("prompt-change", { promptId: "p1", action: "deleted" });

  await r.check("resume (since, epoch): WELCOME resumed, STATE reset: false with each changed key once (critical first) and removed, each missed message in seq order, SYNCED", async () => {
    const { socket, catchUp: frames } = await t.device(user, "phone", { since: 1, epoch });
    equal(types(frames), ["WELCOME", "STATE", "PROMPT_CHANGE", "PROMPT_CHANGE", "SYNCED"], "frames");
    has(frames[0]!, { resumed: true, seq: 7, epoch }, "WELCOME");
    has(frames[1]!, { seq: 7, reset: false, versions: { limbic: 5, "shoots.s1": 3 }, removed: ["credits"] }, "STATE");
    equal(Object.keys(frames[1]!.state as object), ["limbic", "shoots.s1"], "STATE keys, critical first");
    has(frames[1]!, { state: { "shoots.s1": { processedCount: 5 }, limbic: { trust: 0.9, warmth: 0.5 } } }, "STATE values");
    has(frames[2]!, { seq: 4, data: { promptId: "p1", action: "created" }, from: "nerve-conformance" }, "first message");
    ok(typeof frames[2]!.ts === "number", "an event has ts");
    has(frames[3]!, { seq: 7, data: { action: "deleted" } }, "second message");
    equal(frames[4], { type: "SYNCED", seq: 7 }, "SYNCED");
    clean(socket);
    await socket.close();
  });

  await r.check("batch=1: the missed messages come in one EVENTS frame, each event as its live frame", async () => {
    const { socket, catchUp: frames } = await t.device(user, "phone", { since: 1, epoch, batch: 1 });
    equal(types(frames), ["WELCOME", "STATE", "EVENTS", "SYNCED"], "frames");
    equal((frames[2]!.events as Frame[]).map((e) => [e.type, e.seq]), [["PROMPT_CHANGE", 4], ["PROMPT_CHANGE", 7]], "EVENTS");
    clean(socket);
    await socket.close();
  });

  await r.check("resume at the latest seq: an empty STATE (reset: false) and SYNCED", async () => {
    const { socket, catchUp: frames } = await t.device(user, "phone", { since: 7, epoch });
    equal(types(frames), ["WELCOME", "STATE", "SYNCED"], "frames");
    has(frames[1]!, { state: {}, versions: {}, reset: false }, "STATE");
    await socket.close();
  });

  await r.check("a cursor from another epoch, or beyond the log: resumed: false and the whole state (reset: true), no messages", async () => {
    for (const query of [{ since: 1, epoch: "another-epoch" }, { since: 99 }]) {
      const { socket, catchUp: frames } = await t.device(user, "phone", query);
      equal(types(frames), ["WELCOME", "STATE", "SYNCED"], `frames for ${JSON.stringify(query)}`);
      has(frames[0]!, { resumed: false, epoch }, "WELCOME");
      has(frames[1]!, { reset: true, versions: { limbic: 5, "shoots.s1": 3 } }, "STATE");
      equal(Object.keys(frames[1]!.versions as object), ["limbic", "shoots.s1"], "every key, none removed");
      await socket.close();
    }
  });

  await r.check("topics: only those topics' keys and messages, no devices without presence; widening the topics is a reset", async () => {
    const { socket, catchUp: frames } = await t.device(user, "tablet", { since: 1, epoch, topics: "shoots,prompts" });
    equal(types(frames), ["WELCOME", "STATE", "PROMPT_CHANGE", "PROMPT_CHANGE", "SYNCED"], "frames");
    equal(Object.keys(frames[1]!.state as object), ["shoots.s1"], "STATE keys");
    ok(!("devices" in frames[1]!), "no devices without presence");
    await socket.close();
    const wider = await t.device(user, "tablet", { since: 7, epoch, topics: "shoots,prompts,state" });
    has(wider.catchUp[1]!, { reset: true }, "a widened resume's STATE");
    equal(Object.keys(wider.catchUp[1]!.state as object), ["limbic", "shoots.s1"], "the state of the topics now asked");
    await wider.socket.close();
  });

  await r.check("live after SYNCED: events in seq order, STATE_REMOVED {keys, reason} as an event", async () => {
    const { socket } = await t.device(user, "phone", { since: 7, epoch });
    await post("shoot-progress", { shootId: "s2", status: "queued", processedCount: 0, totalCount: 1 });
    await t.http(`/api/sync/users/${user}/state/shoots.s2`, { method: "DELETE", token: svc });
    has(await socket.next(), { type: "SHOOT_PROGRESS", seq: 8, data: { shootId: "s2" }, from: "nerve-conformance" }, "SHOOT_PROGRESS");
    has(await socket.next(), { type: "STATE_REMOVED", seq: 9, data: { keys: ["shoots.s2"], reason: "deleted" } }, "STATE_REMOVED");
    clean(socket);
    await socket.close();
  });
}
