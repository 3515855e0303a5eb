/**
 * Structured logs: one JSON object a line, for Workers Logs and `wrangler tail`, from the Worker and
 * the hub alike. A line carries the request id (`rid`) that the Worker took for the request and
 * handed to the hub, so one search finds both ends of a hop.
 *
 * What is never logged: tokens and payloads. Fields are ids, codes and numbers by type; every string
 * (an error message or stack included) is scrubbed of anything shaped like a JWT or a bearer header,
 * because a library's error may quote its input.
 */
export type LogLevel = "debug" | "info" | "warn" | "error";

/** What a line may carry besides its message: scalars only, so that no payload object slips in. */
export type LogFields = Record<string, string | number | boolean | null | undefined>;

const JWT = /eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*/g;
const BEARER = /(bearer[ .])[^\s,"']+/gi;
/** A stack is for finding the line: a few frames are enough, and a line stays small. */
const MAX_STACK = 1200;

/**
 * Replaces token-shaped text with `[redacted]`.
 * @example scrub("bad token eyJhbGciOi.eyJzdWIi.sig") // "bad token [redacted]"
 */
export function scrub(text: string): string {
  return text.replace(JWT, "[redacted]").replace(BEARER, "$1[redacted]");
}

function errorOf(err: unknown, withStack: boolean): Record<string, string> {
  if (err instanceof Error) {
    return {
      name: err.name,
      message: scrub(err.message),
      ...(withStack && err.stack ? { stack: scrub(err.stack).slice(0, MAX_STACK) } : {}),
    };
  }
  return { message: scrub(String(err)) };
}

/**
 * Writes one JSON line: `{level, msg, ...fields, error?}`. `err`: the error that caused it (its name,
 * message and, for `error`, the top of its stack).
 * @example log("error", "hub fetch failed", { rid, userId }, err)
 */
export function log(level: LogLevel, msg: string, fields: LogFields = {}, err?: unknown): void {
  const line: Record<string, unknown> = { level, msg: scrub(msg) };
  for (const [k, v] of Object.entries(fields)) {
    if (v !== undefined) line[k] = typeof v === "string" ? scrub(v) : v;
  }
  if (err !== undefined) line.error = errorOf(err, level === "error");
  const text = JSON.stringify(line);
  if (level === "error") console.error(text);
  else if (level === "warn") console.warn(text);
  else console.log(text);
}

/** What a request id may look like when it comes from outside (a `cf-ray`): bounded, printable. */
const RID = /^[A-Za-z0-9._:-]{1,64}$/;

/**
 * The id of a request: Cloudflare's `cf-ray` when present (it is what the dashboard and support
 * search by), else a fresh one.
 */
export function requestIdOf(headers: Headers): string {
  const ray = headers.get("cf-ray");
  return ray && RID.test(ray) ? ray : crypto.randomUUID();
}

/** A request id handed over the hop (RPC params, connect header): kept only when it is well formed. */
export function validRequestId(rid: unknown): string | undefined {
  return typeof rid === "string" && RID.test(rid) ? rid : undefined;
}
