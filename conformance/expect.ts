/**
 * Assertions for the checks: each throws an Error whose message says what the protocol wanted and
 * what the server did, which the report prints beside the failed check.
 */
import { isDeepStrictEqual } from "node:util";
import type * as z from "zod/mini";
import { ERROR_RETRYABLE, ErrorStatus, type ErrorCode } from "../protocol/index.js";
import type { HttpAnswer } from "./target.js";
import type { Frame, Socket } from "./socket.js";

const show = (v: unknown) => {
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 300 ? `${s.slice(0, 300)}...` : s;
};

export function fail(message: string): never {
  throw new Error(message);
}

export function equal(actual: unknown, expected: unknown, what: string): void {
  if (!isDeepStrictEqual(actual, expected)) fail(`${what}: expected ${show(expected)}, got ${show(actual)}`);
}

export function ok(cond: unknown, what: string): void {
  if (!cond) fail(what);
}

/** Every field of `partial` (deeply, for objects) is in `actual` with that value. */
export function has(actual: unknown, partial: Record<string, unknown>, what: string): void {
  const walk = (a: unknown, p: unknown, path: string): void => {
    if (p !== null && typeof p === "object" && !Array.isArray(p)) {
      if (a === null || typeof a !== "object") fail(`${what}: ${path || "value"} should be an object, got ${show(a)} (in ${show(actual)})`);
      for (const [k, v] of Object.entries(p)) walk((a as Record<string, unknown>)[k], v, path ? `${path}.${k}` : k);
    } else if (!isDeepStrictEqual(a, p)) {
      fail(`${what}: ${path} should be ${show(p)}, got ${show(a)} (in ${show(actual)})`);
    }
  };
  walk(actual, partial, "");
}

export function matches(schema: z.ZodMiniType, value: unknown, what: string): void {
  const r = schema.safeParse(value);
  if (!r.success) fail(`${what} does not match its schema: ${r.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")} (in ${show(value)})`);
}

/** An ERROR frame with `code`, the id echoed, and `retryable` as the table says. */
export function errorFrame(f: Frame, code: ErrorCode, id?: string): void {
  has(f, { type: "ERROR", code, retryable: ERROR_RETRYABLE[code], ...(id ? { id } : {}) }, `ERROR ${code}`);
  ok(typeof f.message === "string" && f.message.length > 0, `ERROR ${code} has a message`);
}

/** An HTTP error answer: status for the code, `{error: {code, message, retryable}}`. */
export function httpError(res: HttpAnswer, code: ErrorCode, what: string): void {
  equal(res.status, ErrorStatus[code], `${what}: HTTP status`);
  has(res.json, { error: { code, retryable: ERROR_RETRYABLE[code] } }, what);
  ok(typeof res.json?.error?.message === "string", `${what}: error.message`);
}

/** The socket was closed by the server with `code`. */
export async function closedWith(s: Socket, code: number, what: string, timeoutMs = 10_000): Promise<{ code: number; reason: string }> {
  const c = await s.waitClosed(timeoutMs);
  equal(c.code, code, `${what}: close code (reason ${show(c.reason)})`);
  return c;
}

/** No frame broke the contract on these sockets. */
export function clean(...sockets: Socket[]): void {
  const v = sockets.flatMap((s) => s.violations);
  if (v.length) fail(`frames that do not match protocol/: ${v.join(" | ")}`);
}
