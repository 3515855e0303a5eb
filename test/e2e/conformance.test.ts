/**
 * `npm run conformance -- --base <url> --secret <s>` against a real Nerve (wrangler dev, as
 * `npm start` runs it): the suite must report 0 failed, and say so on its last line.
 */
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT, startNerve, type Nerve } from "./harness.js";

const run = promisify(execFile);
const BIN = join(REPO_ROOT, "node_modules/.bin");
const env = { ...process.env, PATH: `${BIN}:${process.env.PATH ?? ""}` };

let nerve: Nerve;
beforeAll(async () => {
  nerve = await startNerve();
});
afterAll(async () => {
  await nerve?.stop();
});

describe("npm run conformance -- --base", () => {
  it("passes every check against a running Nerve", async () => {
    const { stdout } = await run("npm", ["run", "--silent", "conformance", "--", "--base", nerve.url, "--secret", nerve.secret], { cwd: REPO_ROOT, env, timeout: 240_000, maxBuffer: 8 << 20 })
      .catch((err: { stdout?: string; stderr?: string; message: string }) => {
        throw new Error(`${err.message}\n${err.stdout ?? ""}\n${err.stderr ?? ""}\n${nerve.output().slice(-3000)}`);
      });
    const summary = stdout.trim().split("\n").at(-1)!;
    expect(summary, stdout).toMatch(/^\d+ passed, 0 failed, \d+ skipped$/);
    expect(Number(summary.split(" ")[0])).toBeGreaterThanOrEqual(60);
    // Skips are said, with why, never counted as passes.
    expect(stdout).toMatch(/skip 4010 heartbeat timeout: needs/);
    // It leaves nothing behind: every user it made is erased.
    expect(stdout).toMatch(/\nerased the \d+ users this run made\n/);
  }, 300_000);

  it("fails, with a non-zero exit code, against a server that refuses its tokens", async () => {
    const err = await run("npm", ["run", "--silent", "conformance", "--", "--base", nerve.url, "--secret", "not-the-secret", "--only", "^HTTP routes"], { cwd: REPO_ROOT, env, timeout: 120_000 })
      .then(() => null, (e: { code?: number; stdout?: string }) => e);
    expect(err?.code).toBe(1);
    expect(err?.stdout?.trim().split("\n").at(-1)).toMatch(/^\d+ passed, [1-9]\d* failed, 0 skipped$/);
  }, 150_000);

  it("refuses bad usage with exit code 2", async () => {
    const err = await run("npm", ["run", "--silent", "conformance", "--", "--base", "ftp://x"], { cwd: REPO_ROOT, env, timeout: 60_000 })
      .then(() => null, (e: { code?: number; stderr?: string }) => e);
    expect(err?.code).toBe(2);
    expect(err?.stderr).toContain("--base must be an http(s) URL");
  });
});
