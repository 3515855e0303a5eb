#!/usr/bin/env node
// The `nerve` CLI for services and operators: `npx nerve <command> ...` in the repo.
// Plain ESM on Node 22 (global fetch and WebSocket); arguments parsed by node:util parseArgs.
// Tokens are minted with JWT_SECRET (the environment, else .dev.vars from `npm start`), or given with --token.
import { SignJWT } from "jose";
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { readDevVars } from "../scripts/dev-vars.mjs";

const USAGE = `usage: nerve <command> [options]

commands:
  token   --user <id> [--device <id>] | --service [--name <svc>] [--scope "sync:publish sync:read"]   print a token
  publish <TYPE> --user <id> [--data <json>] [--key <idempotency key>]   publish one event (data from stdin without --data)
  tail    --user <id> [--since <seq>] [--epoch <e>] [--topics a,b] [--json]   print live events; reconnects and resumes
  events  --user <id> [--since <seq>] [--limit <n>] [--epoch <e>]   one page of the user's event log
  state   --user <id>   the user's state, versions and devices
  metrics --user <id> [--json]   the user's hub counters: events, bytes, sockets, catch-ups, refusals, wakes, storage
  erase   --user <id> --yes   erase the user's data (a new epoch begins)

options:
  --url <base>     the server (default $NERVE_URL, else http://127.0.0.1:$PORT, PORT default 8787)
  --secret <s>     HS256 secret to mint tokens (default $JWT_SECRET, else .dev.vars)
  --token <jwt>    use this token instead of minting one
  --ttl <seconds>  lifetime of a minted token (token: 86400 for users, 3600 for services)
  -h, --help`;

const ID = /^[A-Za-z0-9._:@-]{1,128}$/;
const OPTIONS = {
  user: { type: "string" }, device: { type: "string" }, service: { type: "boolean" }, name: { type: "string" },
  scope: { type: "string" }, ttl: { type: "string" }, url: { type: "string" }, secret: { type: "string" },
  token: { type: "string" }, data: { type: "string" }, key: { type: "string" }, since: { type: "string" },
  limit: { type: "string" }, epoch: { type: "string" }, topics: { type: "string" }, json: { type: "boolean" },
  yes: { type: "boolean" }, help: { type: "boolean", short: "h" },
};

class UsageError extends Error {}

function fail(message, code = 1) {
  console.error(message);
  process.exit(code);
}

function parse(argv) {
  try {
    return parseArgs({ args: argv, options: OPTIONS, allowPositionals: true });
  } catch (err) {
    throw new UsageError(err.message);
  }
}

function need(args, name) {
  const v = args[name];
  if (v === undefined) throw new UsageError(`--${name} is required`);
  if ((name === "user" || name === "device") && !ID.test(v)) throw new UsageError(`--${name} must be 1-128 characters of [A-Za-z0-9._:@-]`);
  return v;
}

function intOption(args, name) {
  const v = args[name];
  if (v === undefined) return undefined;
  if (!/^\d{1,15}$/.test(v)) throw new UsageError(`--${name} must be a non-negative integer`);
  return Number(v);
}

function baseUrl(args) {
  const url = args.url ?? process.env.NERVE_URL ?? `http://127.0.0.1:${process.env.PORT || 8787}`;
  return url.replace(/\/+$/, "");
}

function vars(args) {
  const v = { ...readDevVars(), ...(process.env.JWT_SECRET ? { JWT_SECRET: process.env.JWT_SECRET } : {}) };
  for (const k of ["JWT_ISSUER", "JWT_AUDIENCE", "SERVICE_AUDIENCE"]) if (process.env[k]) v[k] = process.env[k];
  if (args.secret) v.JWT_SECRET = args.secret;
  return v;
}

/** Mints an HS256 token as the server expects it (issuer, audience and SERVICE_AUDIENCE when configured). */
async function mint(args, { service, sub, claims, ttl }) {
  const v = vars(args);
  if (!v.JWT_SECRET) fail("no JWT_SECRET: pass --secret or --token, set JWT_SECRET, or run `npm start` once (it creates .dev.vars)", 2);
  let jwt = new SignJWT(claims).setProtectedHeader({ alg: "HS256", typ: "JWT" }).setSubject(sub).setIssuedAt().setExpirationTime(`${ttl}s`);
  if (v.JWT_ISSUER) jwt = jwt.setIssuer(v.JWT_ISSUER);
  const audience = service && v.SERVICE_AUDIENCE ? v.SERVICE_AUDIENCE : v.JWT_AUDIENCE;
  if (audience) jwt = jwt.setAudience(audience);
  return jwt.sign(new TextEncoder().encode(v.JWT_SECRET));
}

const ttlOf = (args, fallback) => {
  const ttl = args.ttl === undefined ? fallback : intOption(args, "ttl");
  if (!(ttl > 0)) throw new UsageError("--ttl must be a positive number of seconds");
  return ttl;
};
const serviceToken = (args) => args.token ?? mint(args, { service: true, sub: args.name ?? "nerve-cli", claims: { scope: args.scope ?? "sync:publish sync:read" }, ttl: ttlOf(args, 300) });
const userToken = (args, user) => args.token ?? mint(args, { service: false, sub: user, claims: args.device ? { did: args.device } : {}, ttl: ttlOf(args, 3600) });

/** One HTTP call; prints the JSON answer; a non-2xx answer is an error (exit 1). */
async function call(args, method, path, token, body) {
  const url = `${baseUrl(args)}${path}`;
  let res;
  try {
    res = await fetch(url, {
      method,
      headers: { Authorization: `Bearer ${token}`, ...(body !== undefined ? { "Content-Type": "application/json" } : {}), ...(args.key ? { "Idempotency-Key": args.key } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
  } catch (err) {
    fail(`cannot reach ${url}: ${err.cause?.message ?? err.message} (is the server running? --url / NERVE_URL / PORT)`);
  }
  const text = await res.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    fail(`${method} ${path}: HTTP ${res.status}, not JSON: ${text.slice(0, 200)}`);
  }
  if (!res.ok) fail(`${method} ${path}: HTTP ${res.status} ${JSON.stringify(json)}`);
  return json;
}

/** protocol/codes.ts itself (one table of close actions, no copy): it imports nothing, so Node 22's type stripping loads it. */
const protocolCodes = () => import("../protocol/codes.ts");

const print = (value) => console.log(JSON.stringify(value, null, 2));

async function readStdin() {
  if (process.stdin.isTTY) throw new UsageError("give --data <json>, or pipe the data on stdin");
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  return Buffer.concat(chunks).toString("utf8");
}

const commands = {
  async token(args) {
    if (args.service) {
      console.log(await mint(args, { service: true, sub: args.name ?? "local-service", claims: { scope: args.scope ?? "sync:publish sync:read" }, ttl: ttlOf(args, 3600) }));
    } else {
      const user = need(args, "user");
      if (args.device !== undefined) need(args, "device");
      console.log(await mint(args, { service: false, sub: user, claims: args.device ? { did: args.device } : {}, ttl: ttlOf(args, 86400) }));
    }
  },

  /** Any event type a service may publish, through POST /api/sync/batch (one item). */
  async publish(args, [type]) {
    if (!type) throw new UsageError("publish needs an event type, e.g. nerve publish CREDIT_UPDATE --user alice --data '{...}'");
    const user = need(args, "user");
    const text = args.data ?? (await readStdin());
    let data;
    try {
      data = JSON.parse(text);
    } catch (err) {
      throw new UsageError(`the data is not JSON: ${err.message}`);
    }
    const item = { userId: user, type, data, ...(args.key ? { idempotencyKey: args.key } : {}) };
    const { key: _key, ...rest } = args;
    const answer = await call(rest, "POST", "/api/sync/batch", await serviceToken(args), { events: [item] });
    const result = answer.results?.[0];
    print(result ?? answer);
    if (!result || result.error) process.exit(1);
  },

  async events(args) {
    const user = need(args, "user");
    const q = new URLSearchParams();
    const since = intOption(args, "since");
    const limit = intOption(args, "limit");
    if (since !== undefined) q.set("since", String(since));
    if (limit !== undefined) q.set("limit", String(limit));
    if (args.epoch) q.set("epoch", args.epoch);
    print(await call(args, "GET", `/api/me/events${q.size ? `?${q}` : ""}`, await userToken(args, user)));
  },

  async state(args) {
    const user = need(args, "user");
    print(await call(args, "GET", `/api/sync/users/${encodeURIComponent(user)}`, await serviceToken(args)));
  },

  /** The hub's counters (GET /api/sync/users/:userId/metrics, sync:read): a table, or the JSON with --json. */
  async metrics(args) {
    const user = need(args, "user");
    const m = await call(args, "GET", `/api/sync/users/${encodeURIComponent(user)}/metrics`, await serviceToken(args));
    if (args.json) return print(m);
    const n = (x) => Number(x).toLocaleString("en-US");
    const kib = (b) => (b < 1024 ? `${b} B` : `${(b / 1024).toFixed(1)} KiB`);
    const at = (t) => (t === null ? "never" : new Date(t).toISOString());
    const c = m.catchUp;
    const refusals = Object.entries(m.refusals).sort((a, b) => b[1] - a[1]).map(([code, k]) => `${code} ${n(k)}`).join(", ") || "none";
    const rows = [
      ["user", m.userId],
      ["counting since", `${at(m.since)} (last written ${at(m.flushedAt)})`],
      ["events", `${n(m.events.in)} in, ${n(m.events.out)} out`],
      ["bytes", `${kib(m.bytes.in)} in, ${kib(m.bytes.out)} out`],
      ["sockets", `${n(m.sockets.open)} open (${n(m.sockets.opened)} opened, ${n(m.sockets.closed)} closed)`],
      ["catch-ups", `${n(c.count)} (${n(c.resumed)} resumed): ${n(c.events)} events, ${kib(c.bytes)}; largest ${n(c.maxEvents)} events, ${kib(c.maxBytes)}; hub time ${c.totalMs} ms total, ${c.maxMs} ms max`],
      ["refusals", refusals],
      ["dedup hits", `${n(m.dedupHits.client)} client, ${n(m.dedupHits.service)} service`],
      ["alarms / wakes", `${n(m.alarms)} / ${n(m.wakes)}`],
      ["storage", kib(m.storageBytes)],
    ];
    const width = Math.max(...rows.map(([k]) => k.length));
    for (const [k, v] of rows) console.log(`${k.padEnd(width)}  ${v}`);
  },

  async erase(args) {
    const user = need(args, "user");
    if (!args.yes) throw new UsageError(`erase deletes all of ${user}'s events and state; add --yes to do it`);
    print(await call(args, "DELETE", `/api/sync/users/${encodeURIComponent(user)}`, await serviceToken(args)));
  },

  /** Live events of a user over /ws, resumed with since/epoch after every reconnect. Ctrl+C ends it. */
  async tail(args) {
    const user = need(args, "user");
    let since = intOption(args, "since");
    let epoch = args.epoch;
    let backoff = 500;
    const { closeAction } = await protocolCodes();
    for (;;) {
      const token = await userToken(args, user);
      const q = new URLSearchParams({ platform: "cli", name: "nerve tail", batch: "1" });
      q.set("device", args.device ?? "nerve-tail");
      if (since !== undefined) q.set("since", String(since));
      if (epoch) q.set("epoch", epoch);
      if (args.topics) q.set("topics", args.topics);
      const url = `${baseUrl(args).replace(/^http/, "ws")}/ws?${q}`;
      const closed = await new Promise((resolve) => {
        const ws = new WebSocket(url, ["nerve.v1", `bearer.${token}`]);
        const show = (e) => {
          if (since !== undefined && e.seq <= since) return;
          since = e.seq;
          if (args.json) console.log(JSON.stringify(e));
          else console.log(`${String(e.seq).padStart(6)}  ${new Date(e.ts).toISOString()}  ${e.type.padEnd(18)} ${e.from.padEnd(14)} ${JSON.stringify(e.data)}`);
        };
        ws.addEventListener("message", (m) => {
          if (typeof m.data !== "string" || m.data === "pong") return;
          const f = JSON.parse(m.data);
          if (typeof f.seq === "number" && typeof f.ts === "number" && f.data !== undefined) return show(f);
          if (f.type === "WELCOME") {
            if (epoch && f.epoch && f.epoch !== epoch && !args.json) console.error(`(epoch ${epoch} -> ${f.epoch}: the user's history was reset)`);
            epoch = f.epoch ?? epoch;
            if (!args.json) console.error(`connected as ${f.deviceId}; latest seq ${f.seq}${f.resumed ? `, resuming after ${since}` : ""}`);
            backoff = 500;
            setInterval(() => ws.readyState === WebSocket.OPEN && ws.send("ping"), f.heartbeatMs || 30000).unref?.();
          } else if (f.type === "EVENTS") for (const e of f.events) show(e);
          else if (f.type === "STATE" && f.reset && !f.more) {
            if (!args.json && since !== undefined) console.error(`(reset: the log no longer holds everything after ${since ?? 0}; showing events after seq ${f.seq})`);
            since = f.seq;
          }
          else if (f.type === "SYNCED") {
            since = Math.max(since ?? 0, f.seq);
            ws.send(JSON.stringify({ type: "ACK", data: { seq: since } }));
          }
        });
        ws.addEventListener("close", (e) => resolve({ code: e.code, reason: e.reason }));
        ws.addEventListener("error", () => {});
      });
      const action = closeAction(closed.code);
      console.error(`closed ${closed.code} ${closed.reason || ""} -> ${action}`);
      if (action === "stop") process.exit(1);
      if (action === "refresh" && args.token) fail("the token was refused; give a fresh --token (or let the CLI mint one)");
      const wait = action === "backoff" ? backoff * (0.5 + Math.random() / 2) : 100;
      if (action === "backoff") backoff = Math.min(30000, backoff * 2);
      await new Promise((r) => setTimeout(r, wait));
    }
  },
};

const argv = process.argv.slice(2);
const [command, ...rest] = argv;
if (!command || command === "-h" || command === "--help" || command === "help") {
  console.log(USAGE);
  process.exit(command ? 0 : 2);
}
if (!Object.hasOwn(commands, command)) fail(`unknown command "${command}"\n\n${USAGE}`, 2);
try {
  const { values, positionals } = parse(rest);
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  await commands[command](values, positionals);
} catch (err) {
  if (err instanceof UsageError) fail(`nerve ${command}: ${err.message}\n\n${USAGE}`, 2);
  throw err;
}
