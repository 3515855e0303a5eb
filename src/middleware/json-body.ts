import type { Context, MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { ErrorCode, toWireIssues } from "../../protocol/index.js";
import { configOf } from "../config-cache.js";
import type { Config } from "../../common/config.js";
import type { Env } from "../../common/env.js";
import { apiError } from "../errors.js";

interface Schema<T> {
  safeParse(v: unknown): { success: true; data: T } | { success: false; error: { issues: readonly { path: PropertyKey[]; message: string }[] } };
}

/** What `c.req.valid("json")` gives a handler behind `jsonBody(schema)`. */
type JsonInput<T> = { in: { json: T }; out: { json: T } };

const JSON_TYPE = /^application\/([\w.+-]*\+)?json\s*(;|$)/i;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyEnv = { Bindings: Env; Variables: any };

/**
 * Reads the whole body once, so that a body that ends before its Content-Length (a client that
 * hung up mid-body) is a 400 here rather than an exception in a handler, and parses it once.
 */
async function readJson(c: Context<AnyEnv>): Promise<unknown> {
  let text: string;
  try {
    text = await c.req.text();
  } catch (err) {
    throw apiError(ErrorCode.BAD_JSON, "the body could not be read to its end (shorter than its Content-Length?)", { cause: err });
  }
  try {
    return JSON.parse(text);
  } catch {
    throw apiError(ErrorCode.BAD_JSON, "the body is not valid JSON");
  }
}

/**
 * Validates a JSON body with a schema; the handler reads it typed with `c.req.valid("json")`.
 * 415 UNSUPPORTED_MEDIA_TYPE unless it is JSON, 413 TOO_LARGE past MAX_BODY_BYTES (declared or
 * streamed; hono's bodyLimit), 400 BAD_JSON when it cannot be read or parsed, 400 INVALID_BODY
 * with issues when the schema refuses it; the parsed body is parsed once.
 * @example app.post("/x", jsonBody(XBody), (c) => c.json(c.req.valid("json")))
 */
export function jsonBody<T>(schema: Schema<T>, options: { maxBytes?: (config: Config) => number } = {}): MiddlewareHandler<AnyEnv, string, JsonInput<T>> {
  return async (c, next) => {
    if (!JSON_TYPE.test(c.req.header("Content-Type") ?? "")) {
      throw apiError(ErrorCode.UNSUPPORTED_MEDIA_TYPE, "the body must be JSON (Content-Type: application/json)");
    }
    const config = configOf(c.env);
    const max = options.maxBytes?.(config) ?? config.maxBodyBytes;
    const limit = bodyLimit({ maxSize: max, onError: () => { throw apiError(ErrorCode.TOO_LARGE, `the body is larger than ${max} bytes`); } });
    await limit(c, async () => {
      const parsed = schema.safeParse(await readJson(c));
      if (!parsed.success) throw apiError(ErrorCode.INVALID_BODY, "the body is invalid", { issues: toWireIssues(parsed.error.issues) });
      // What hono's `validator` does with its result, without its second parse of the body
      // (its json target parses the cached text again).
      c.req.addValidatedData("json", parsed.data as object);
      await next();
    });
  };
}
