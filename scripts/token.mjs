#!/usr/bin/env node
// Mints a token with the local development secret (.dev.vars).
//   npm run token -- --user alice [--device phone] [--service] [--scope "sync:publish sync:read"] [--ttl 3600]
import { SignJWT } from "jose";
import { parseArgs } from "node:util";
import { readDevVars } from "./dev-vars.mjs";

const USAGE = 'usage: npm run token -- --user <userId> [--device <deviceId>] [--ttl <seconds>]\n       npm run token -- --service [--name <service>] [--scope "sync:publish sync:read"] [--ttl <seconds>]';
const ID = /^[A-Za-z0-9._:@-]{1,128}$/;

let args;
try {
  ({ values: args } = parseArgs({
    options: {
      user: { type: "string" }, device: { type: "string" }, service: { type: "boolean" }, name: { type: "string" },
      scope: { type: "string" }, ttl: { type: "string" }, help: { type: "boolean", short: "h" },
    },
  }));
} catch (err) {
  console.error(`${err.message}\n${USAGE}`);
  process.exit(2);
}
if (args.help) {
  console.log(USAGE);
  process.exit(0);
}
const vars = { ...readDevVars(), ...(process.env.JWT_SECRET ? { JWT_SECRET: process.env.JWT_SECRET } : {}) };
if (!vars.JWT_SECRET) {
  console.error("no JWT_SECRET: run `npm start` once (it creates .dev.vars), or set JWT_SECRET");
  process.exit(2);
}
const ttl = Number(args.ttl ?? (args.service ? 3600 : 86400));
if (!Number.isInteger(ttl) || ttl <= 0) {
  console.error(`--ttl must be a positive number of seconds\n${USAGE}`);
  process.exit(2);
}
let claims;
let sub;
if (args.service) {
  sub = args.name ?? args.user ?? "local-service";
  claims = { scope: args.scope ?? "sync:publish sync:read" };
} else {
  if (!args.user || !ID.test(args.user)) {
    console.error(`--user is required: 1-128 characters of [A-Za-z0-9._:@-]\n${USAGE}`);
    process.exit(2);
  }
  if (args.device !== undefined && !ID.test(args.device)) {
    console.error(`--device must be 1-128 characters of [A-Za-z0-9._:@-]\n${USAGE}`);
    process.exit(2);
  }
  sub = args.user;
  claims = args.device ? { did: args.device } : {};
}
let jwt = new SignJWT(claims).setProtectedHeader({ alg: "HS256", typ: "JWT" }).setSubject(sub).setIssuedAt().setExpirationTime(`${ttl}s`);
if (vars.JWT_ISSUER) jwt = jwt.setIssuer(vars.JWT_ISSUER);
// A service token carries SERVICE_AUDIENCE when the server sets one (that is what makes it a service token).
const audience = args.service && vars.SERVICE_AUDIENCE ? vars.SERVICE_AUDIENCE : vars.JWT_AUDIENCE;
if (audience) jwt = jwt.setAudience(audience);
console.log(await jwt.sign(new TextEncoder().encode(vars.JWT_SECRET)));
