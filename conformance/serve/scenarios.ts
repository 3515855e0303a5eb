/**
 * The scripts the fake server plays (docs/conformance.md lists them). Each plays the server's side
 * of one situation a client must handle, connection by connection (`c.n` is 1 for the first
 * connection of a run, 2 for the reconnect, ...), and says what a correct client does.
 */
import { closeAction } from "../../protocol/index.js";
import { errorFrame, stateFrame, welcomeFrame } from "./answers.js";
import type { ClientMessage, Connection } from "./connection.js";
import type { History, Json } from "./history.js";

export interface Run {
  history: History;
  connections: Connection[];
  /** Scenario notes kept across connections of the run. */
  notes: Record<string, unknown>;
}

export interface Scenario {
  name: string;
  /** What the server plays. */
  plays: string;
  /** What a correct client does. */
  expect: string;
  play(c: Connection, run: Run): Promise<void> | void;
  /** Answers a client message itself (returns true), else the default answers apply. */
  answer?(c: Connection, m: ClientMessage, run: Run): boolean;
}

const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A first connection's catch-up: the whole state. */
function fullCatchUp(c: Connection, h: History): void {
  c.send(welcomeFrame(c, h, false));
  c.send(stateFrame(c, h, { reset: true }));
  c.send({ type: "SYNCED", seq: h.seq });
}

/** Whether the client resumed with this history's cursor: since and the same epoch. */
const resumes = (c: Connection, h: History, since: number) => c.query.since === String(since) && c.query.epoch === h.epoch;

const credit = (newBalance: number, change: number) => ({ newBalance, change, reason: "conformance" });
const shoot = (shootId: string, processedCount: number, totalCount = 10) => ({ shootId, status: processedCount >= totalCount ? "completed" : "processing", processedCount, totalCount });

export const SCENARIOS: Scenario[] = [
  {
    name: "basic",
    plays: "WELCOME (seq 2), STATE reset: true {credits, shoots.s1} with the device list, SYNCED 2; then live CREDIT_UPDATE 3 (newBalance 75) and PROMPT_CHANGE 4. State updates are ACCEPTED with the next seq and ts.",
    expect: "mirror credits.newBalance = 75 and shoots.s1; cursor 4; PROMPT_CHANGE delivered once; the text ping answered pong.",
    play(c, { history: h }) {
      if (h.seq === 0) {
        h.write("CREDIT_UPDATE", credit(100, 100));
        h.write("SHOOT_PROGRESS", shoot("s1", 5));
      }
      fullCatchUp(c, h);
      if (c.n === 1) {
        c.send(h.write("CREDIT_UPDATE", credit(75, -25)) as unknown as Json);
        c.send(h.write("PROMPT_CHANGE", { promptId: "p1", action: "created", title: "Golden hour" }) as unknown as Json);
      }
    },
  },
  {
    name: "duplicates",
    plays: "catch-up to seq 2; then CREDIT_UPDATE 3 (newBalance 50), the same seq 3 again with newBalance 999, a stale seq 2 (newBalance 1), PROMPT_CHANGE 4 twice, and an EVENTS frame repeating 3 and 4.",
    expect: "every seq applied once, the first time: credits.newBalance = 50; cursor 4; PROMPT_CHANGE delivered once.",
    play(c, { history: h }) {
      if (h.seq === 0) {
        h.write("CREDIT_UPDATE", credit(100, 100));
        h.write("SHOOT_PROGRESS", shoot("s1", 1));
      }
      fullCatchUp(c, h);
      if (c.n !== 1) return;
      const three = h.write("CREDIT_UPDATE", credit(50, -50)) as unknown as Json;
      const four = h.write("PROMPT_CHANGE", { promptId: "p1", action: "created" }) as unknown as Json;
      c.send(three);
      c.send({ ...three, data: credit(999, 949) });
      c.send({ type: "CREDIT_UPDATE", seq: 2, ts: Date.now(), data: credit(1, -99), from: "fake-service" });
      c.send(four);
      c.send(four);
      c.send({ type: "EVENTS", events: [three, four] });
    },
  },
  {
    name: "gap",
    plays: "catch-up to seq 2; then CREDIT_UPDATE 3 and SHOOT_PROGRESS 5, holding back LIMBIC_UPDATE 4 (trust 0.2). A STATE_SYNC is answered with the whole state (reset: true), limbic included.",
    expect: "the hole at 4 is noticed (no topics filter): the client sends STATE_SYNC and ends with limbic.trust = 0.2 and cursor 5. A client that does not repair gaps keeps limbic missing.",
    play(c, { history: h }) {
      if (h.seq === 0) {
        h.write("CREDIT_UPDATE", credit(100, 100));
        h.write("SHOOT_PROGRESS", shoot("s1", 1));
      }
      fullCatchUp(c, h);
      if (c.n !== 1) return;
      c.send(h.write("CREDIT_UPDATE", credit(90, -10)) as unknown as Json);
      h.write("LIMBIC_UPDATE", { trust: 0.2 });
      c.send(h.write("SHOOT_PROGRESS", shoot("s1", 2)) as unknown as Json);
    },
  },
  {
    name: "token-expired",
    plays: "connection 1: catch-up to seq 1, then close 4002 \"token expired\". Connection 2 (with since=1 and the epoch): a resumed catch-up, then live CREDIT_UPDATE 2.",
    expect: "the client gets a fresh token and reconnects at once (refresh), resuming with since=1&epoch; connection 2's token differs from connection 1's (the log's token.sha256); cursor 2.",
    async play(c, { history: h }) {
      if (c.n === 1) {
        h.write("CREDIT_UPDATE", credit(100, 100));
        fullCatchUp(c, h);
        await delay(100);
        c.close(4002, "token expired");
        return;
      }
      if (!resumes(c, h, h.seq)) return fullCatchUp(c, h);
      c.send(welcomeFrame(c, h, true));
      c.send(stateFrame(c, h, { reset: false, keys: [] }));
      c.send({ type: "SYNCED", seq: h.seq });
      c.send(h.write("CREDIT_UPDATE", credit(80, -20)) as unknown as Json);
    },
  },
  {
    name: "epoch-change",
    plays: "connection 1: epoch fake-epoch-a, catch-up to seq 3 {credits, limbic, shoots.old}, then close 4011 (the user was erased). Connection 2 (since=3&epoch=fake-epoch-a): epoch fake-epoch-b, WELCOME resumed: false seq 1, STATE reset: true {credits}, SYNCED 1. Connection 3, if any, resumes in epoch b.",
    expect: "reconnect at once; replace the mirror (shoots.old and limbic gone, credits.newBalance = 5); cursor 1 (lower than before) under epoch fake-epoch-b, sent as since=1&epoch=fake-epoch-b next time.",
    async play(c, { history: h }) {
      if (c.n === 1) {
        h.write("CREDIT_UPDATE", credit(100, 100));
        h.write("LIMBIC_UPDATE", { trust: 0.8 });
        h.write("SHOOT_PROGRESS", shoot("old", 3));
        fullCatchUp(c, h);
        await delay(100);
        c.close(4011, "user erased");
        return;
      }
      if (h.epoch === "fake-epoch-a") {
        h.restart("fake-epoch-b");
        h.write("CREDIT_UPDATE", credit(5, 5));
      }
      if (resumes(c, h, h.seq)) {
        c.send(welcomeFrame(c, h, true));
        c.send(stateFrame(c, h, { reset: false, keys: [] }));
        c.send({ type: "SYNCED", seq: h.seq });
        return;
      }
      fullCatchUp(c, h);
    },
  },
  {
    name: "reset",
    plays: "connection 1: catch-up to seq 2 {credits, shoots.s1}, then close 1001 (going away). Connection 2 (since=2, same epoch): the log can no longer serve it: WELCOME resumed: false seq 5, STATE reset: true {credits} (shoots.s1 left the state), SYNCED 5.",
    expect: "reconnect with backoff; replace the mirror: shoots.s1 forgotten, credits.newBalance = 60; cursor 5.",
    async play(c, { history: h }) {
      if (c.n === 1) {
        h.write("CREDIT_UPDATE", credit(100, 100));
        h.write("SHOOT_PROGRESS", shoot("s1", 10));
        fullCatchUp(c, h);
        await delay(100);
        c.close(1001, "going away");
        return;
      }
      if (h.seq === 2) {
        h.write("STATE_REMOVED", { keys: ["shoots.s1"], reason: "expired" });
        h.write("CREDIT_UPDATE", credit(70, -30));
        h.write("CREDIT_UPDATE", credit(60, -10));
      }
      fullCatchUp(c, h);
    },
  },
  {
    name: "split-state",
    plays: "WELCOME seq 4; STATE in three parts: part 1 {limbic} reset: true more: true, part 2 {credits} reset: false more: true, part 3 {shoots.s1, shoots.s2} with the device list, more: false; SYNCED 4.",
    expect: "the parts applied as one STATE when more is false (or, for a client that ignores parts, replace on part 1 and merge the rest): all four keys, cursor 4.",
    play(c, { history: h }) {
      if (h.seq === 0) {
        h.write("CREDIT_UPDATE", credit(100, 100));
        h.write("SHOOT_PROGRESS", shoot("s1", 1));
        h.write("SHOOT_PROGRESS", shoot("s2", 2));
        h.write("LIMBIC_UPDATE", { warmth: 0.9 });
      }
      c.send(welcomeFrame(c, h, false));
      const full = stateFrame(c, h, { reset: true });
      c.send({ type: "STATE", seq: h.seq, ...h.pick(["limbic"]), reset: true, part: 1, more: true });
      c.send({ type: "STATE", seq: h.seq, ...h.pick(["credits"]), reset: false, part: 2, more: true });
      c.send({ type: "STATE", seq: h.seq, ...h.pick(["shoots.s1", "shoots.s2"]), reset: false, ...(full.devices ? { devices: full.devices } : {}), part: 3, more: false });
      c.send({ type: "SYNCED", seq: h.seq });
    },
  },
  {
    name: "batch-events",
    plays: "connection 1: catch-up to seq 1 {credits}, then close 4010 (heartbeat timeout). Connection 2 (since=1): WELCOME resumed, STATE reset: false {shoots.s1 (seq 3)}, the missed PROMPT_CHANGE 2 and 4 in one EVENTS frame when batch=1 was asked (else one frame each), SYNCED 4.",
    expect: "reconnect at once with since=1 (and batch=1 if the client supports EVENTS); PROMPT_CHANGE 2 then 4 delivered once each, in order; shoots.s1 and credits in the mirror; cursor 4.",
    async play(c, { history: h }) {
      if (c.n === 1) {
        h.write("CREDIT_UPDATE", credit(100, 100));
        fullCatchUp(c, h);
        await delay(100);
        c.close(4010, "no ping for twice the heartbeat");
        return;
      }
      if (h.seq === 1) {
        h.write("PROMPT_CHANGE", { promptId: "p1", action: "created", title: "Blue hour" });
        h.write("SHOOT_PROGRESS", shoot("s1", 4));
        h.write("PROMPT_CHANGE", { promptId: "p1", action: "updated", title: "Golden hour" });
      }
      if (!resumes(c, h, 1)) return fullCatchUp(c, h);
      const missed = h.events.filter((e) => e.seq > 1 && e.type === "PROMPT_CHANGE") as unknown as Json[];
      c.send(welcomeFrame(c, h, true));
      c.send(stateFrame(c, h, { reset: false, keys: ["shoots.s1"] }));
      if (c.query.batch === "1") c.send({ type: "EVENTS", events: missed });
      else for (const e of missed) c.send(e);
      c.send({ type: "SYNCED", seq: h.seq });
    },
  },
  {
    name: "rate-limited",
    plays: "catch-up to seq 0; the first state update the client sends is refused ERROR RATE_LIMITED (retryable: true, retryAfterMs: 300); the same message sent again (same id) is ACCEPTED with seq 1.",
    expect: "the client resends the same message with the same id after at least 300 ms, and its send resolves with seq 1; the mirror shows the update.",
    play(c, { history: h }) {
      fullCatchUp(c, h);
    },
    answer(c, m, run) {
      if (m.type === "PING" || m.type === "ACK" || m.type === "STATE_SYNC" || m.type === "REFRESH") return false;
      if (!run.notes.refused) {
        run.notes.refused = { id: m.id, at: Date.now() };
        c.send(errorFrame(m.id, "RATE_LIMITED", "more than 100 messages a minute", { retryAfterMs: 300 }));
        return true;
      }
      return false;
    },
  },
];

/**
 * `close-<code>`: catch-up to seq 0, then a close with that code 200 ms after SYNCED, on every
 * connection. Known codes and the ranges of unknown ones (4100-4499) say what the client does.
 */
export function closeScenario(code: number): Scenario {
  const action = closeAction(code);
  return {
    name: `close-${code}`,
    plays: `catch-up to seq 0, then close ${code} 200 ms after SYNCED, on every connection`,
    expect: {
      stop: "do not reconnect: one connection only; surface the close",
      refresh: "get a fresh token and reconnect at once",
      backoff: "reconnect after a growing, jittered delay",
      reconnect: "reconnect at once, with since and epoch",
    }[action] + ` (closeAction(${code}) = ${action})`,
    async play(c, { history: h }) {
      fullCatchUp(c, h);
      await delay(200);
      c.close(code, `conformance close ${code}`);
    },
  };
}

/** The scenario of a name, including `close-<code>` for 1000-4999. */
export function scenarioNamed(name: string): Scenario | undefined {
  const close = /^close-(\d{4})$/.exec(name);
  if (close) {
    const code = Number(close[1]);
    // The codes a server may send in a close frame (RFC 6455 7.4): 1000-1003, 1007-1014, 3000-4999.
    const sendable = (code >= 1000 && code <= 1014 && ![1004, 1005, 1006].includes(code)) || (code >= 3000 && code <= 4999);
    return sendable ? closeScenario(code) : undefined;
  }
  return SCENARIOS.find((s) => s.name === name);
}
