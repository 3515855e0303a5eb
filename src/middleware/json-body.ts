import type { Context } from "hono";
import { ErrorCode, toWireIssues } from "../../protocol/index.js";
import { configOf } from "../config-cache.js";
import type { Env } from "../../common/env.js";
import { apiError } from "../errors.js";

interface Schema<T> {
  safeParse(v: unknown): { success: true; data: T } | { success: false; error: { issues: readonly { path: PropertyKey[]; message: string }[] } };
}

/**
 * Reads a JSON body: 415 unless it is JSON, 413 past MAX_BODY_BYTES (declared or streamed),
 * 400 BAD_JSON when it does not parse, 400 INVALID_BODY with issues when the schema refuses it.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function readJson<T>(c: Context<{ Bindings: Env; Variables: any }>, schema: Schema<T>, options: { maxBytes?: number } = {}): Promise<T> {
  const type = c.req.header("Content-Type") ?? "";
  if (!/^application\/([\w.+-]*\+)?json\s*(;|$)/i.test(type)) {
    throw apiError(ErrorCode.UNSUPPORTED_MEDIA_TYPE, "the body must be JSON (Content-Type: application/json)");
  }
  const max = options.maxBytes ?? configOf(c.env).maxBodyBytes;
  const declared = Number(c.req.header("Content-Length") ?? "0");
  if (declared > max) throw apiError(ErrorCode.TOO_LARGE, `the body is larger than ${max} bytes`);
  const bytes = await readCapped(c.req.raw, max);
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    throw apiError(ErrorCode.BAD_JSON, "the body is not valid JSON");
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw apiError(ErrorCode.INVALID_BODY, "the body is invalid", { issues: toWireIssues(parsed.error.issues) });
  return parsed.data;
}

/** Reads a body, stopping with 413 as soon as it passes `max` bytes (a chunked body declares no length). */
async function readCapped(request: Request, max: number): Promise<Uint8Array> {
  if (!request.body) return new Uint8Array();
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel();
      throw apiError(ErrorCode.TOO_LARGE, `the body is larger than ${max} bytes`);
    }
    chunks.push(value);
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.byteLength;
  }
  return out;
}
