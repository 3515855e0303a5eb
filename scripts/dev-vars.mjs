import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";

/** Creates `.dev.vars` with a random JWT_SECRET the first time; returns its variables. */
export function ensureDevVars(path = ".dev.vars") {
  if (!existsSync(path)) {
    const secret = randomBytes(32).toString("base64url");
    writeFileSync(path, `# Local development only; never commit. Created by npm start.\nJWT_SECRET=${secret}\nDEV_SIGN_IN=1\n`, { mode: 0o600 });
    console.log(`created ${path} with a new random JWT_SECRET`);
  }
  return readDevVars(path);
}

export function readDevVars(path = ".dev.vars") {
  const vars = {};
  if (!existsSync(path)) return vars;
  for (const line of readFileSync(path, "utf8").split("\n")) {
    const m = /^\s*([A-Z0-9_]+)\s*=\s*(.*)\s*$/.exec(line);
    if (m) vars[m[1]] = m[2].replace(/^"(.*)"$/, "$1");
  }
  return vars;
}
