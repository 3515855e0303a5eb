/**
 * The SDK (client/index.ts) against `npm run conformance -- --serve`, the scripted fake server that
 * client authors test their own clients with: the CLI runs as its own process, each test points a
 * real NerveClient at one scenario's run and checks both what the client ends with and what the
 * fake server's log says the client did (queries, tokens, messages, reconnect timing).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createNerveClient, memoryStorage, type NerveClient, type NerveClientOptions } from "../../client/index.js";
import type { ConnectionLog } from "../../conformance/serve/connection.js";
import { TEST_JWT_SECRET } from "../test-secret.js";
import { waitForClient } from "./client-wait.js";
import { freePort, killGroup, REPO_ROOT } from "./harness.js";

const BIN = join(REPO_ROOT, "node_modules/.bin");
/** A backoff so slow that a test passes only if the client did not wait for it. */
const NEVER = { backoff: { minDelayMs: 60_000, maxDelayMs: 60_000 } };
/** A fixed delay: a reconnect that waits for it comes no sooner (timers never fire early). */
const FIXED_DELAY_MS = 800;
const FIXED = { backoff: { minDelayMs: FIXED_DELAY_MS, maxDelayMs: FIXED_DELAY_MS, jitter: 0 } };
/** Reconnects soon whatever the close: for scenarios about what comes after the reconnect. */
const SOON = { backoff: { minDelayMs: 20, maxDelayMs: 40 } };

let child: ChildProcess;
let base: string;
let output = "";

beforeAll(async () => {
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  child = spawn(join(BIN, "tsx"), ["conformance/main.ts", "--serve", "--port", String(port)], {
    cwd: REPO_ROOT, detached: true, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, PATH: `${BIN}:${process.env.PATH ?? ""}` },
  });
  child.stdout!.on("data", (b: Buffer) => (output += b.toString()));
  child.stderr!.on("data", (b: Buffer) => (output += b.toString()));
  const deadline = Date.now() + 30_000;
  for (;;) {
    const ok = await fetch(`${base}/`).then((r) => r.ok, () => false);
    if (ok) break;
    if (Date.now() > deadline) throw new Error(`the fake server did not start:\n${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
});

afterAll(async () => {
  if (child) await killGroup(child);
});

let runs = 0;

/** A real client on one scenario's own run; `tokens` counts getToken calls (each mints a new token). */
function client(scenario: string, options: Partial<NerveClientOptions> = {}) {
  const run = `r${++runs}-${Date.now().toString(36)}`;
  const key = new TextEncoder().encode(TEST_JWT_SECRET);
  const tokens = { calls: 0 };
  const c = createNerveClient({
    url: `${base.replace("http", "ws")}/s/${scenario}/${run}/ws`,
    getToken: () => {
      tokens.calls += 1;
      return new SignJWT({ n: tokens.calls }).setProtectedHeader({ alg: "HS256" }).setSubject("fake-user").setIssuedAt().setExpirationTime("10m").sign(key);
    },
    storage: memoryStorage(),
    deviceId: "sdk-device",
    ...options,
  });
  const closes: { code: number; willRetry: boolean }[] = [];
  c.on("close", (e) => closes.push({ code: e.code, willRetry: e.willRetry }));
  const log = async (): Promise<{ connections: ConnectionLog[]; notes: Record<string, any> }> => (await fetch(`${base}/s/${scenario}/${run}/log`)).json() as never;
  return { c, tokens, closes, log };
}

/** Collects the durable events a client delivers, by type. */
function events(c: NerveClient) {
  const seen: { type: string; seq: number }[] = [];
  c.on("event", (e) => seen.push({ type: e.type, seq: e.seq }));
  return seen;
}

const messagesOf = (conn: ConnectionLog) => conn.received.map((r) => (r.message === "ping" ? "ping" : r.message.type));
const wait = (c: NerveClient, check: () => boolean, what: string, log?: () => Promise<unknown>) =>
  waitForClient(c, check, what, 10_000, () => output.slice(-2000)).catch(async (err: Error) => {
    throw new Error(`${err.message}\nfake server log: ${log ? JSON.stringify(await log()) : ""}`);
  });

describe("the SDK against the conformance fake server (--serve)", () => {
  it("lists its scenarios with what each plays and expects", async () => {
    const list = (await (await fetch(`${base}/`)).json()) as { scenarios: { name: string }[] };
    expect(list.scenarios.map((s) => s.name)).toEqual([
      "basic", "duplicates", "gap", "token-expired", "epoch-change", "reset", "split-state", "batch-events", "rate-limited",
    ]);
  });

  it("basic: catch-up, live events once, its own update accepted; frames sent meet the contract", async () => {
    const { c, log } = client("basic");
    const seen = events(c);
    await wait(c, () => c.seq === 4, "seq 4", log);
    expect(c.state.credits).toMatchObject({ newBalance: 75 });
    expect(c.state["shoots.s1"]).toMatchObject({ processedCount: 5 });
    const sent = await c.send("LIMBIC_UPDATE", { trust: 0.3 });
    expect(sent.seq).toBe(5);
    expect(c.state.limbic).toMatchObject({ trust: 0.3 });
    expect(seen).toEqual([{ type: "CREDIT_UPDATE", seq: 3 }, { type: "PROMPT_CHANGE", seq: 4 }, { type: "LIMBIC_UPDATE", seq: 5 }]); // its own, from ACCEPTED
    const [conn] = (await log()).connections;
    expect(conn!.protocols).toEqual(["nerve.v1", "bearer.<token>"]);
    expect(conn!.token.in).toBe("subprotocol");
    expect(conn!.query).toMatchObject({ device: "sdk-device", batch: "1" });
    expect(conn!.violations).toEqual([]);
    await c.close();
  });

  it("duplicates: each seq is applied once, the first time", async () => {
    const { c, log } = client("duplicates");
    const seen = events(c);
    await wait(c, () => c.seq === 4, "seq 4", log);
    await c.send("LIMBIC_UPDATE", { trust: 0.1 }); // answered after every frame before it: all duplicates were read
    expect(c.state.credits).toMatchObject({ newBalance: 50 });
    expect(seen.filter((e) => e.seq <= 4)).toEqual([{ type: "CREDIT_UPDATE", seq: 3 }, { type: "PROMPT_CHANGE", seq: 4 }]);
    await c.close();
  });

  it("gap: a missing seq is repaired with STATE_SYNC", async () => {
    const { c, log } = client("gap");
    await wait(c, () => c.seq === 5 && (c.state.limbic as { trust?: number } | undefined)?.trust === 0.2, "limbic from the full STATE and seq 5", log);
    expect(messagesOf((await log()).connections[0]!)).toContain("STATE_SYNC");
    await c.close();
  });

  it("token-expired (4002): a fresh token and an immediate resume with since and epoch", async () => {
    const { c, tokens, closes, log } = client("token-expired", NEVER);
    await wait(c, () => c.seq === 2, "seq 2 after the reconnect", log);
    const [first, second] = (await log()).connections;
    expect(closes[0]).toEqual({ code: 4002, willRetry: true });
    expect(tokens.calls).toBe(2);
    expect(second!.token.sha256).not.toBe(first!.token.sha256);
    expect(second!.query).toMatchObject({ since: "1", epoch: "fake-epoch-1" });
    await c.close();
  });

  it("epoch-change (4011): reconnects, replaces the mirror, keeps the cursor under the new epoch", async () => {
    const { c, log } = client("epoch-change", SOON);
    await wait(c, () => c.seq === 3, "seq 3 in epoch a", log);
    await wait(c, () => c.seq === 1 && c.status === "connected", "seq 1 in epoch b", log);
    expect(c.state).toEqual({ credits: expect.objectContaining({ newBalance: 5 }) });
    expect(c.versions).toEqual({ credits: 1 });
    c.reconnect();
    await expect.poll(async () => (await log()).connections.length, { timeout: 10_000 }).toBe(3);
    const [, second, third] = (await log()).connections;
    expect(second!.query).toMatchObject({ since: "3", epoch: "fake-epoch-a" });
    expect(third!.query).toMatchObject({ since: "1", epoch: "fake-epoch-b" });
    await c.close();
  });

  it("reset (after 1001): the reset STATE replaces the mirror, forgetting keys not in it", async () => {
    const { c, log } = client("reset", SOON);
    await wait(c, () => c.seq === 2, "seq 2", log);
    await wait(c, () => c.seq === 5, "seq 5 after the reset", log);
    expect(Object.keys(c.state)).toEqual(["credits"]);
    expect(c.state.credits).toMatchObject({ newBalance: 60 });
    expect((await log()).connections[1]!.query).toMatchObject({ since: "2" });
    await c.close();
  });

  it("split-state: the parts are applied as one STATE", async () => {
    const { c, log } = client("split-state");
    const states: { keys: string[]; reset: boolean }[] = [];
    c.on("state", (s) => states.push({ keys: [...s.keys].sort(), reset: s.reset }));
    await wait(c, () => c.seq === 4 && c.getSnapshot().synced, "synced at 4", log);
    expect(Object.keys(c.state).sort()).toEqual(["credits", "limbic", "shoots.s1", "shoots.s2"]);
    expect(states).toEqual([{ keys: ["credits", "limbic", "shoots.s1", "shoots.s2"], reset: true }]);
    expect(c.devices.map((d) => d.deviceId)).toEqual(["sdk-device"]);
    await c.close();
  });

  it("batch-events (after 4010): reconnects with since and batch=1; the EVENTS are delivered in order, once", async () => {
    const { c, log } = client("batch-events", SOON);
    const seen = events(c);
    await wait(c, () => c.seq === 4, "seq 4", log);
    expect(seen.filter((e) => e.type === "PROMPT_CHANGE")).toEqual([{ type: "PROMPT_CHANGE", seq: 2 }, { type: "PROMPT_CHANGE", seq: 4 }]);
    expect(Object.keys(c.state).sort()).toEqual(["credits", "shoots.s1"]);
    expect((await log()).connections[1]!.query).toMatchObject({ since: "1", batch: "1" });
    await c.close();
  });

  it("rate-limited: the same message (same id) is sent again after retryAfterMs, then accepted", async () => {
    const { c, log } = client("rate-limited");
    await c.whenSynced();
    const result = await c.send("POSTURE_CHANGE", { posture: "peer" });
    expect(result.seq).toBe(1);
    const { connections, notes } = await log();
    const tries = connections.flatMap((conn) => conn.received).filter((r) => r.message !== "ping" && r.message.type === "POSTURE_CHANGE");
    expect(tries).toHaveLength(2);
    expect((tries[1]!.message as { id: string }).id).toBe(notes.refused.id);
    expect(tries[1]!.at - tries[0]!.at).toBeGreaterThanOrEqual(300);
    await c.close();
  });

  /** The client's answer to a close: stop (no reconnect), or a reconnect at once or after its backoff, with a fresh token on refresh. */
  async function closeCase(code: number, action: "stop" | "refresh" | "reconnect" | "backoff") {
    // A reconnect at once is checked under a backoff it would never live to see (NEVER): it passes
    // however slowly the machine reconnects, and fails if the client waited. One after the backoff
    // is checked under FIXED, no sooner than its delay.
    const { c, tokens, closes, log } = client(`close-${code}`, action === "backoff" ? FIXED : NEVER);
    await c.whenSynced();
    await wait(c, () => c.getSnapshot().lastClose?.code === code, `the close ${code}`, log);
    if (action === "stop") {
      expect(closes).toEqual([{ code, willRetry: false }]);
      expect((await log()).connections).toHaveLength(1);
      await c.close();
      return;
    }
    expect(closes[0]).toEqual({ code, willRetry: true });
    await expect.poll(async () => (await log()).connections.length, { timeout: 10_000 }).toBeGreaterThanOrEqual(2);
    const [first, second] = (await log()).connections;
    const waited = second!.openedAt - first!.closed!.at;
    if (action === "backoff") expect(waited).toBeGreaterThanOrEqual(FIXED_DELAY_MS - 50);
    if (action === "refresh") expect(second!.token.sha256).not.toBe(first!.token.sha256);
    expect(tokens.calls).toBeGreaterThanOrEqual(2);
    await c.close();
  }

  // What closeAction (protocol/codes.ts, docs/protocol.md 11) says for known codes and for the ranges of newer ones.
  it.each([
    [4001, "stop"], [4003, "stop"], [4150, "stop"],
    [4002, "refresh"], [4250, "refresh"],
    [1009, "reconnect"], [4010, "reconnect"], [4011, "reconnect"], [4012, "reconnect"], [4450, "reconnect"],
    [4350, "backoff"], [4999, "backoff"], [1011, "backoff"],
  ] as const)("close %i: %s", closeCase);

  // 4008 and 4009 carry a least delay (CLOSE_MIN_DELAY_MS: 60 s, 30 s): the client must not be back before it.
  it.each([4008, 4009])("close %i: no reconnect before its least delay", async (code) => {
    const { c, closes, log } = client(`close-${code}`, FIXED);
    await c.whenSynced();
    await wait(c, () => c.getSnapshot().lastClose?.code === code, `the close ${code}`, log);
    expect(closes[0]).toEqual({ code, willRetry: true });
    const closedAt = (await log()).connections[0]!.closed!.at;
    // Past the client's own backoff, well within the least delay.
    await new Promise((r) => setTimeout(r, Math.max(0, closedAt + FIXED_DELAY_MS + 1200 - Date.now())));
    expect((await log()).connections).toHaveLength(1);
    await c.close();
  });
});
