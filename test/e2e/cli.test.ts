/**
 * The `nerve` CLI (bin/nerve.mjs) run as a process against a real `wrangler dev`: publish (from
 * --data and from stdin, with an Idempotency-Key), events, state, metrics, a live and resumed tail, erase.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { REPO_ROOT, startNerve, type Nerve } from "./harness.js";

const USER = `cli-${Date.now().toString(36)}`;
let nerve: Nerve;
const running: ChildProcess[] = [];

function cli(args: string[], stdin?: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(REPO_ROOT, "bin/nerve.mjs"), ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, NERVE_URL: nerve.url, JWT_SECRET: nerve.secret },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin ?? "");
  });
}

/** A running `nerve tail --json`; `lines()` is every event printed so far. */
function tail(args: string[]) {
  const child = spawn(process.execPath, [join(REPO_ROOT, "bin/nerve.mjs"), "tail", "--json", ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, NERVE_URL: nerve.url, JWT_SECRET: nerve.secret },
  });
  running.push(child);
  let out = "";
  let err = "";
  child.stdout.on("data", (d) => (out += d));
  child.stderr.on("data", (d) => (err += d));
  const lines = () => out.split("\n").filter(Boolean).map((l) => JSON.parse(l) as { seq: number; type: string; data: Record<string, unknown> });
  const until = async (n: number) => {
    for (let i = 0; i < 100 && lines().length < n; i++) await new Promise((r) => setTimeout(r, 100));
    return lines();
  };
  return { child, lines, until, stderr: () => err };
}

beforeAll(async () => {
  nerve = await startNerve();
}, 90_000);

afterAll(async () => {
  for (const c of running) c.kill();
  await nerve?.stop();
});

describe("nerve CLI", () => {
  test("publish, events, state", async () => {
    const credit = await cli(["publish", "CREDIT_UPDATE", "--user", USER, "--data", '{"newBalance":10,"change":5,"reason":"cli"}']);
    expect(credit.code).toBe(0);
    expect(JSON.parse(credit.stdout)).toEqual({ userId: USER, seq: 1 });

    const fromStdin = await cli(["publish", "PROMPT_CHANGE", "--user", USER, "--key", "p-1"], '{"promptId":"p1","action":"created"}');
    expect(JSON.parse(fromStdin.stdout)).toEqual({ userId: USER, seq: 2 });
    const again = await cli(["publish", "PROMPT_CHANGE", "--user", USER, "--key", "p-1"], '{"promptId":"p1","action":"created"}');
    expect(JSON.parse(again.stdout)).toEqual({ userId: USER, seq: 2, duplicate: true });

    const bad = await cli(["publish", "CREDIT_UPDATE", "--user", USER, "--data", '{"newBalance":"x"}']);
    expect(bad.code).toBe(1);
    expect(JSON.parse(bad.stdout)).toMatchObject({ error: { code: "INVALID_BODY", retryable: false } });

    const events = await cli(["events", "--user", USER, "--since", "1"]);
    expect(JSON.parse(events.stdout)).toMatchObject({ seq: 2, reset: false, events: [{ seq: 2, type: "PROMPT_CHANGE" }] });

    const state = await cli(["state", "--user", USER]);
    expect(JSON.parse(state.stdout)).toMatchObject({ seq: 2, state: { credits: { newBalance: 10, change: 5, reason: "cli" } } });

    const metrics = await cli(["metrics", "--user", USER, "--json"]);
    expect(metrics.code).toBe(0);
    expect(JSON.parse(metrics.stdout)).toMatchObject({ userId: USER, events: { in: 2, out: 0 }, dedupHits: { service: 1 }, refusals: {} });
    const table = await cli(["metrics", "--user", USER]);
    expect(table.stdout).toMatch(/^events +2 in, 0 out$/m);
    expect(table.stdout).toMatch(/^dedup hits +0 client, 1 service$/m);
  }, 60_000);

  test("refuses bad usage with exit 2", async () => {
    expect((await cli(["publish", "CREDIT_UPDATE"])).code).toBe(2);
    expect((await cli(["events", "--user", "not an id"])).code).toBe(2);
    expect((await cli(["fly"])).code).toBe(2);
    const erase = await cli(["erase", "--user", USER]);
    expect(erase.code).toBe(2);
    expect(erase.stderr).toContain("--yes");
  });

  test("tail prints live events, resumes with --since, and follows an erase", async () => {
    const live = tail(["--user", USER, "--since", "2"]);
    await new Promise((r) => setTimeout(r, 1500));
    await cli(["publish", "PROMPT_CHANGE", "--user", USER, "--data", '{"promptId":"p2","action":"updated"}']);
    expect((await live.until(1)).map((e) => e.seq)).toEqual([3]);

    const resumed = tail(["--user", USER, "--since", "1"]);
    expect((await resumed.until(2)).map((e) => [e.seq, e.type])).toEqual([[2, "PROMPT_CHANGE"], [3, "PROMPT_CHANGE"]]);

    const erased = await cli(["erase", "--user", USER, "--yes"]);
    expect(JSON.parse(erased.stdout)).toEqual({ epoch: expect.any(String) });
    await new Promise((r) => setTimeout(r, 1500));
    await cli(["publish", "PROMPT_CHANGE", "--user", USER, "--data", '{"promptId":"p3","action":"deleted"}']);
    const after = await live.until(2);
    expect(after.map((e) => [e.seq, e.data.promptId])).toEqual([[3, "p2"], [1, "p3"]]);
    expect(live.stderr()).toContain("closed 4011");
  }, 60_000);
});
