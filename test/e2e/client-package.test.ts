/**
 * Packaging: `npm run build:client` emits ESM and declarations; `nerve/client` and
 * `nerve/client/react` resolve through package.json "exports" in plain Node 22; and the core
 * bundles for a browser with no Node built-ins, then connects from that bundle.
 */
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT, startNerve, type Nerve } from "./harness.js";

const run = promisify(execFile);
const BIN = join(REPO_ROOT, "node_modules/.bin");
const env = { ...process.env, PATH: `${BIN}:${process.env.PATH ?? ""}` };

let nerve: Nerve;
beforeAll(async () => {
  await run(join(BIN, "tsc"), ["-p", "client/tsconfig.build.json"], { cwd: REPO_ROOT, env });
  nerve = await startNerve();
});
afterAll(async () => {
  await nerve?.stop();
});

describe("client package", () => {
  // nerve/client/sealed is a separate entry: the core bundle must not carry the cryptography.
  it("emits ESM with type declarations for both entry points", () => {
    for (const f of ["client/index.js", "client/index.d.ts", "client/react.js", "client/react.d.ts", "client/sealed/index.js", "client/sealed/index.d.ts", "protocol/index.js"]) {
      expect(existsSync(join(REPO_ROOT, "client/dist", f)), f).toBe(true);
    }
  });

  it("resolves nerve/client and nerve/client/react by name and connects from plain Node 22", async () => {
    const script = `
      const { createNerveClient, memoryStorage } = await import("nerve/client");
      const react = await import("nerve/client/react");
      const sealed = await import("nerve/client/sealed");
      const client = createNerveClient({ url: process.argv[1], getToken: () => process.argv[2], storage: memoryStorage() });
      const withKeys = sealed.withSealed(client, { storage: memoryStorage() });
      await client.whenSynced();
      await withKeys.sealed.settled();
      console.log(JSON.stringify({ status: client.status, hooks: typeof react.useShootProgress, seq: client.seq, sealed: withKeys.sealed.getSnapshot().status, keys: withKeys.sealed.getSnapshot().keyKind }));
      await client.close();`;
    const token = await nerve.userToken(`pkg-${Date.now().toString(36)}`);
    const { stdout } = await run(join(BIN, "node"), ["--input-type=module", "-e", script, nerve.wsUrl, token], { cwd: REPO_ROOT, env, timeout: 30_000 });
    expect(JSON.parse(stdout.trim())).toEqual({ status: "connected", hooks: "function", seq: 0, sealed: "none", keys: "bytes" });
  });

  it("bundles for the browser without Node built-ins", async () => {
    const out = join(mkdtempSync(join(tmpdir(), "nerve-bundle-")), "client.js");
    const { stderr } = await run(join(BIN, "esbuild"), ["client/dist/client/index.js", "--bundle", "--minify", "--format=esm", "--platform=browser", `--outfile=${out}`, "--log-level=warning"], { cwd: REPO_ROOT, env });
    expect(stderr).toBe("");
    const { stdout } = await run(join(BIN, "node"), ["--input-type=module", "-e", `const m = await import(${JSON.stringify(out)}); console.log(typeof m.createNerveClient)`], { env });
    expect(stdout.trim()).toBe("function");
  });
});
