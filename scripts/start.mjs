#!/usr/bin/env node
// `npm start`: runs Nerve locally under `wrangler dev` on 127.0.0.1:8787 with local persistence.
// No Cloudflare account and no network are needed.
//   - creates .dev.vars (random JWT_SECRET, DEV_SIGN_IN=1) the first time;
//   - runs `npm run build` first when package.json has a build script (the web app);
//   - starts wrangler in its own process group and forwards SIGINT/SIGTERM/SIGHUP to the whole group,
//     so neither wrangler nor workerd is left running after Ctrl+C.
// Options (env): PORT (default 8787), NERVE_PERSIST_DIR (default .wrangler/state).
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { ensureDevVars } from "./dev-vars.mjs";
import { QUIET_ENV } from "./tool-env.mjs";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const BIN = join(ROOT, "node_modules/.bin");
const HOST = "127.0.0.1";
const PORT = Number(process.env.PORT || 8787);
const PERSIST = process.env.NERVE_PERSIST_DIR || ".wrangler/state";
const env = { ...process.env, ...QUIET_ENV, PATH: `${BIN}:${process.env.PATH ?? ""}` };
process.chdir(ROOT);

function portFree(port) {
  return new Promise((ok) => {
    const srv = createServer();
    srv.once("error", () => ok(false));
    srv.listen(port, HOST, () => srv.close(() => ok(true)));
  });
}

if (!Number.isInteger(PORT) || PORT <= 0 || PORT > 65535) {
  console.error(`PORT must be a TCP port, not "${process.env.PORT}"`);
  process.exit(2);
}
if (!(await portFree(PORT))) {
  console.error(`${HOST}:${PORT} is in use (another \`npm start\`?). Stop it, or run with PORT=<other port> npm start.`);
  process.exit(1);
}

ensureDevVars(join(ROOT, ".dev.vars"));

const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
if (pkg.scripts?.build) {
  console.log("> npm run build");
  // npm_execpath is npm's own CLI when started through `npm start`; otherwise use npm from PATH.
  const npm = process.env.npm_execpath ? [process.execPath, [process.env.npm_execpath, "run", "build"]] : ["npm", ["run", "build"]];
  const built = spawnSync(npm[0], npm[1], { stdio: "inherit", env });
  if (built.status !== 0) {
    console.error(`npm run build failed (${built.status ?? built.signal}); not starting.`);
    process.exit(built.status || 1);
  }
}

const args = ["dev", "--ip", HOST, "--port", String(PORT), "--persist-to", PERSIST, "--show-interactive-dev-session=false"];
console.log(`> wrangler ${args.join(" ")}`);
const child = spawn(join(BIN, "wrangler"), args, { stdio: ["ignore", "inherit", "inherit"], env, detached: true });

let stopping = false;
function groupAlive() {
  try {
    process.kill(-child.pid, 0);
    return true;
  } catch {
    return false;
  }
}
function stop(signal) {
  if (stopping) return;
  stopping = true;
  try {
    process.kill(-child.pid, signal);
  } catch {
    /* already gone */
  }
  // Kill whatever is left of the group (workerd) if it does not exit in time.
  const deadline = Date.now() + 5000;
  const timer = setInterval(() => {
    if (!groupAlive()) {
      clearInterval(timer);
      process.exit(0);
    } else if (Date.now() > deadline) {
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {
        /* gone */
      }
    }
  }, 100);
}
for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"]) process.on(sig, () => stop(sig === "SIGHUP" ? "SIGTERM" : sig));
// `kill <npm pid>` ends npm without telling its children: when our parent goes, stop too.
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) stop("SIGTERM");
}, 500).unref();
child.on("exit", (code, signal) => {
  if (stopping) return;
  // wrangler died on its own: take workerd down with it and report.
  try {
    process.kill(-child.pid, "SIGKILL");
  } catch {
    /* gone */
  }
  console.error(`wrangler dev exited (${code ?? signal})`);
  process.exit(code || 1);
});

const url = `http://${HOST}:${PORT}`;
const deadline = Date.now() + 120_000;
for (;;) {
  if (stopping) break;
  try {
    const res = await fetch(`${url}/api/sync/status`, { signal: AbortSignal.timeout(2000) });
    await res.body?.cancel();
    if (res.ok) break;
  } catch {
    /* not up yet */
  }
  if (Date.now() > deadline) {
    console.error(`wrangler dev did not answer on ${url} within 120 s`);
    stop("SIGTERM");
    break;
  }
  await new Promise((r) => setTimeout(r, 200));
}

if (!stopping) {
  console.log(`
  Nerve is running at ${url}   (state persists in ${PERSIST}; Ctrl+C stops it)

  Mint tokens (signed with JWT_SECRET from .dev.vars):
    npm run token -- --user alice --device phone      a user/device token
    npm run token -- --service                        a service token (sync:publish sync:read)

  Connect a device:
    ws://${HOST}:${PORT}/ws?token=<user token>[&since=<last seq>]

  Publish to alice's devices:
    curl -X POST ${url}/api/sync/shoot-progress \\
      -H "Authorization: Bearer $(npm run -s token -- --service)" -H "Content-Type: application/json" \\
      -d '{"userId":"alice","shootId":"s1","status":"processing","processedCount":1,"totalCount":10}'

  Health: ${url}/api/sync/status     Protocol: docs/protocol.md${existsSync(join(ROOT, "web/dist/index.html")) ? `
  Web app: ${url}/   (open it in two windows to be two devices of one user)` : ""}
`);
}
