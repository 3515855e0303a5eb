/**
 * `npm run conformance -- ...`: the protocol conformance suite for other implementations.
 *
 *   --base <url> --secret <hs256 secret>   check a running Nerve; prints `N passed, N failed, N skipped`
 *   --serve [--port <n>] [--host <ip>]     a scripted fake server for testing a client (docs/conformance.md)
 *
 * Arguments are parsed with node:util parseArgs (Node's own, stable since 20): a handful of
 * options need no dependency.
 */
import { parseArgs } from "node:util";
import { pathToFileURL } from "node:url";
import { readDevVars } from "../scripts/dev-vars.mjs";
import { runConformance } from "./run.js";
import { startFakeServer } from "./serve/fake-server.js";

const USAGE = `usage:
  npm run conformance -- --base <url> --secret <hs256 secret> [--only <regex>] [--slow]
      runs the protocol checks of docs/protocol.md against a running Nerve (the secret is its JWT_SECRET,
      to mint user and service tokens; default $JWT_SECRET, else .dev.vars); exit code 1 if a check failed;
      --slow adds the checks that take minutes (4010: 2-4 x heartbeatMs of silence)
  npm run conformance -- --serve [--port <n>] [--host <ip>]
      plays the server's side of scripted scenarios for a client under test (docs/conformance.md);
      default port $PORT or 8790, host 127.0.0.1`;

const OPTIONS = {
  base: { type: "string" }, secret: { type: "string" }, only: { type: "string" }, slow: { type: "boolean" },
  serve: { type: "boolean" }, port: { type: "string" }, host: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

class UsageError extends Error {}

export async function main(argv: string[]): Promise<number> {
  let args;
  try {
    args = parseArgs({ args: argv, options: OPTIONS, allowPositionals: false }).values;
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (args.help) {
    console.log(USAGE);
    return 0;
  }
  if (args.serve) {
    if (args.base) throw new UsageError("--serve and --base are two modes: give one");
    const port = Number(args.port ?? process.env.PORT ?? 8790);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be a port number, got ${args.port}`);
    const server = await startFakeServer({ port, host: args.host ?? "127.0.0.1", log: (line) => console.log(line) });
    const stop = () => void server.close().then(() => process.exit(0));
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
    return new Promise<number>(() => {}); // serves until signalled
  }
  if (!args.base) throw new UsageError("--base <url> is required (or --serve)");
  if (!/^https?:\/\//.test(args.base)) throw new UsageError(`--base must be an http(s) URL, got ${args.base}`);
  // As the nerve CLI does: the flag, else the environment, else the .dev.vars `npm start` made.
  const secret = args.secret ?? process.env.JWT_SECRET ?? readDevVars().JWT_SECRET;
  if (!secret) throw new UsageError("--secret <hs256 secret> is required (or JWT_SECRET in the environment, or a .dev.vars from npm start)");
  let only: RegExp | undefined;
  try {
    only = args.only ? new RegExp(args.only, "i") : undefined;
  } catch {
    throw new UsageError(`--only must be a regular expression, got ${args.only}`);
  }
  console.log(`Nerve conformance: ${args.base}`);
  const report = await runConformance({ base: args.base, secret, only, slow: args.slow ?? false });
  console.log(`\n${report.summary()}`);
  return report.count("failed") > 0 ? 1 : 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err) => {
      if (err instanceof UsageError) {
        console.error(`${err.message}\n\n${USAGE}`);
        process.exit(2);
      }
      console.error(err);
      process.exit(1);
    },
  );
}
