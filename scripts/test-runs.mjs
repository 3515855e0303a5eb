#!/usr/bin/env node
// `npm test`'s vitest step: three vitest processes side by side, one per kind of project:
//   e2e              real processes (wrangler dev, Chromium, the CLI), two files at a time;
//   e2e-client-dist  the e2e files that build into client/dist, one at a time;
//   rest             every other project (unit in Node, worker* in workerd).
//
// Why processes: one vitest run runs projects of different worker counts, and projects whose files
// go one at a time, in groups, one group after another. The e2e files would start only once the unit
// and workerd tests were done, and the client/dist files only after all of them, though an e2e file
// spends most of its time waiting on timers, sockets and the browser, not on the CPU. Side by side
// the runs take about as long as the longest. Each project keeps its own settings from vitest.config.ts.
//
// Output: the runs print live, each line prefixed with the run's name; the exit code is non-zero when
// any run failed. A part alone: `npm run test:unit`, `test:worker`, `test:e2e`, or
// `npx vitest run --project <p> <file>`.
import { spawn } from "node:child_process";
import { dirname, join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const BIN = join(ROOT, "node_modules/.bin");

if (process.argv.length > 2) {
  console.error("npm test takes no arguments; run a part with `npx vitest run --project <name> [file...]`.");
  process.exit(2);
}

const RUNS = [
  { name: "e2e", args: ["run", "--project", "e2e"] },
  { name: "e2e-client-dist", args: ["run", "--project", "e2e-client-dist"] },
  { name: "rest", args: ["run", "--project", "!e2e*"] },
];
const width = Math.max(...RUNS.map((r) => r.name.length));
// node_modules/.bin first, as under npm: vitest and the tests then run on the repo's Node 22.
const env = { ...process.env, PATH: `${BIN}:${process.env.PATH ?? ""}` };

const children = RUNS.map((run) => {
  const child = spawn(join(BIN, "vitest"), run.args, { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
  const prefix = `${run.name.padEnd(width)} | `;
  for (const [stream, out] of [[child.stdout, process.stdout], [child.stderr, process.stderr]]) {
    createInterface({ input: stream, crlfDelay: Infinity }).on("line", (line) => out.write(`${prefix}${line}\n`));
  }
  const done = new Promise((resolveRun) => {
    child.on("error", (err) => resolveRun({ name: run.name, code: `could not start: ${err.message}` }));
    child.on("close", (code, signal) => resolveRun({ name: run.name, code: code ?? signal }));
  });
  return { child, done };
});

// Ctrl+C or a CI timeout: each vitest stops its own workers (and e2e's wrangler and Chromium).
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) {
  process.on(signal, () => {
    for (const { child } of children) if (child.exitCode === null) child.kill(signal);
  });
}

const results = await Promise.all(children.map((c) => c.done));
const failed = results.filter((r) => r.code !== 0);
console.log(`\nvitest: ${results.map((r) => `${r.name} ${r.code === 0 ? "passed" : `failed (${r.code})`}`).join(", ")}`);
process.exit(failed.length ? 1 : 0);
