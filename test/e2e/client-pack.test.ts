/**
 * The installable SDK: `npm pack` makes a tarball of only what an app needs; installed into a fresh
 * app outside the repo (its dependencies from the registry), the Node quick start of docs/client.md
 * runs as written against a running Nerve, the `nerve` bin works, and a Vite app importing
 * `nerve/client/react` type-checks and bundles. The Vite app's own toolchain (vite, typescript, react)
 * is linked from this repo's node_modules: what is under test is the tarball, not the registry.
 */
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT, startNerve, type Nerve } from "./harness.js";

const run = promisify(execFile);
const BIN = join(REPO_ROOT, "node_modules/.bin");
const env = { ...process.env, PATH: `${BIN}:${process.env.PATH ?? ""}` };

let nerve: Nerve;
let tarball: string;
let app: string;

beforeAll(async () => {
  nerve = await startNerve();
  const out = mkdtempSync(join(tmpdir(), "nerve-pack-"));
  const { stdout } = await run("npm", ["pack", "--json", "--pack-destination", out], { cwd: REPO_ROOT, env, timeout: 120_000 });
  tarball = join(out, JSON.parse(stdout.slice(stdout.indexOf("[")))[0].filename);
  app = mkdtempSync(join(tmpdir(), "nerve-app-"));
  writeFileSync(join(app, "package.json"), JSON.stringify({ name: "nerve-app", private: true, type: "module" }, null, 2));
  await run("npm", ["install", tarball, "--no-audit", "--no-fund"], { cwd: app, env, timeout: 180_000 });
}, 300_000);

afterAll(async () => {
  await nerve?.stop();
});

/** The first fenced block of `lang` after the heading `heading` in docs/client.md. */
function docBlock(heading: string, lang: string): string {
  const doc = readFileSync(join(REPO_ROOT, "docs/client.md"), "utf8");
  const at = doc.indexOf(`\n${heading}\n`);
  expect(at, heading).toBeGreaterThan(-1);
  const start = doc.indexOf(`\`\`\`${lang}\n`, at) + lang.length + 4;
  return doc.slice(start, doc.indexOf("\n```", start) + 1);
}

describe("the packed SDK", () => {
  it("holds only the built client (with nerve/client/sealed), its protocol modules, the nerve bin, the README and package.json", async () => {
    const { stdout } = await run("tar", ["-tzf", tarball]);
    const files = stdout.trim().split("\n").map((f) => f.replace(/^package\//, ""));
    const outside = files.filter((f) => !/^client\/dist\/(client|client\/sealed|protocol)\/[\w-]+\.(js|d\.ts)$/.test(f));
    expect(outside.sort()).toEqual(["README.md", "bin/nerve.mjs", "package.json", "scripts/dev-vars.mjs"]);
    for (const f of ["client/dist/client/index.js", "client/dist/client/index.d.ts", "client/dist/client/react.js", "client/dist/client/react.d.ts", "client/dist/client/sealed/index.js", "client/dist/client/sealed/index.d.ts"]) expect(files).toContain(f);
    expect(readdirSync(join(app, "node_modules"))).toEqual(expect.arrayContaining(["nerve", "zod"]));
  });

  it("runs the Node quick start of docs/client.md as written (only the port is the test server's)", async () => {
    const quickStart = docBlock("## Node", "ts");
    expect(quickStart.match(/127\.0\.0\.1:8787/g)).toHaveLength(1);
    writeFileSync(join(app, "quickstart.mts"), quickStart.replace("127.0.0.1:8787", `127.0.0.1:${nerve.port}`));
    const token = await nerve.userToken(`pack-${Date.now().toString(36)}`, "cli");
    const { stdout } = await run(join(BIN, "node"), ["quickstart.mts"], { cwd: app, env: { ...env, NERVE_TOKEN: token }, timeout: 30_000 });
    expect(stdout).toMatch(/^applied as seq 1 \{[^}]*trust: 0\.8/);
  });

  it("exports NerveClient from nerve/client (react, an optional peer, is not needed for it)", async () => {
    const script = `import { NerveClient, createNerveClient, memoryStorage } from "nerve/client";
      const client = new NerveClient({ url: "ws://127.0.0.1:1/ws", getToken: () => "t", storage: memoryStorage(), autoConnect: false });
      console.log(client instanceof NerveClient, typeof createNerveClient);`;
    const { stdout } = await run(join(BIN, "node"), ["--input-type=module", "-e", script], { cwd: app, env, timeout: 30_000 });
    expect(stdout.trim()).toBe("true function");
  });

  it("installs the nerve bin", async () => {
    const { stdout } = await run(join(app, "node_modules/.bin/nerve"), ["token", "--user", "alice", "--secret", "s3cret-s3cret-s3cret"], { cwd: app, env, timeout: 30_000 });
    expect(stdout.trim()).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
  });

  it("type-checks and bundles a Vite app that imports nerve/client/react", async () => {
    mkdirSync(join(app, "node_modules/@types"), { recursive: true });
    mkdirSync(join(app, "node_modules/@vitejs"), { recursive: true });
    for (const dep of ["react", "react-dom", "@types/react", "@types/react-dom", "vite", "@vitejs/plugin-react", "typescript"]) {
      symlinkSync(join(REPO_ROOT, "node_modules", dep), join(app, "node_modules", dep), "dir");
    }
    mkdirSync(join(app, "src"));
    writeFileSync(join(app, "index.html"), `<!doctype html><div id="root"></div><script type="module" src="/src/main.tsx"></script>\n`);
    writeFileSync(join(app, "vite.config.mjs"), `import react from "@vitejs/plugin-react";\nexport default { plugins: [react()], logLevel: "warn" };\n`);
    writeFileSync(join(app, "tsconfig.json"), JSON.stringify({
      compilerOptions: { target: "ES2022", module: "ESNext", moduleResolution: "Bundler", jsx: "react-jsx", strict: true, noEmit: true, lib: ["ES2022", "DOM"], types: [] },
      include: ["src"],
    }));
    writeFileSync(join(app, "src/main.tsx"), `import { createRoot } from "react-dom/client";
import { createNerveClient } from "nerve/client";
import { NerveProvider, useNerveStatus, useNerveState, useShootProgress } from "nerve/client/react";

const client = createNerveClient({ url: "ws://127.0.0.1:8787/ws", getToken: async () => "token" });

function Shoot({ id }: { id: string }) {
  const { status, quality } = useNerveStatus();
  const { progressPercentage } = useShootProgress(id);
  const credits = useNerveState("credits");
  const balance: number | undefined = credits?.newBalance;
  return <p>{status} ({quality}%) {progressPercentage}% {balance}</p>;
}

createRoot(document.getElementById("root")!).render(<NerveProvider client={client}><Shoot id="shoot-42" /></NerveProvider>);
`);
    await run(join(BIN, "tsc"), ["-p", "."], { cwd: app, env, timeout: 60_000 }).catch((err: { stdout?: string; message: string }) => {
      throw new Error(`tsc: ${err.stdout ?? err.message}`);
    });
    await run(join(BIN, "vite"), ["build"], { cwd: app, env, timeout: 120_000 });
    const assets = readdirSync(join(app, "dist/assets")).filter((f) => f.endsWith(".js"));
    expect(assets).toHaveLength(1);
    const bundle = readFileSync(join(app, "dist/assets", assets[0]!), "utf8");
    expect(bundle).toContain("nerve.v1"); // the SDK's subprotocol: the client is in the bundle
  }, 180_000);

  it("a type error in the app is caught (the type-check is not a no-op)", async () => {
    writeFileSync(join(app, "src/wrong.tsx"), `import { useNerveState } from "nerve/client/react";\nexport const n: string = (() => useNerveState("credits")?.newBalance)();\n`);
    const err = await run(join(BIN, "tsc"), ["-p", "."], { cwd: app, env, timeout: 60_000 }).then(() => null, (e: { stdout?: string }) => e);
    expect(err?.stdout).toContain("src/wrong.tsx");
  }, 90_000);
});
