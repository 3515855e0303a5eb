import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { ERROR_RETRYABLE, ErrorStatus, type ErrorBody, type ErrorCode, type WireIssue } from "../protocol/index.js";

/**
 * An HTTP error with its stable code. `fromHub`: the refusal is the hub's answer, which the hub has
 * counted already (metrics count each refusal once, where it was decided).
 */
export class ApiError extends HTTPException {
  constructor(status: ContentfulStatusCode, options: ConstructorParameters<typeof HTTPException>[1], readonly code: ErrorCode, readonly fromHub: boolean) {
    super(status, options);
  }
}

/**
 * An HTTP error with a stable code, as the contract's JSON error body.
 * @example throw apiError("NOT_FOUND", "no such route")
 */
export function apiError(
  code: ErrorCode,
  message: string,
  options: { issues?: WireIssue[]; retryAfterMs?: number; status?: number; cause?: unknown; fromHub?: boolean } = {},
): ApiError {
  const status = (options.status ?? ErrorStatus[code]) as ContentfulStatusCode;
  const body: ErrorBody = { error: { code, message, retryable: ERROR_RETRYABLE[code], ...(options.issues ? { issues: options.issues } : {}) } };
  const headers: Record<string, string> = {};
  if (options.retryAfterMs !== undefined) headers["Retry-After"] = String(Math.max(1, Math.ceil(options.retryAfterMs / 1000)));
  return new ApiError(status, { res: Response.json(body, { status, headers }), message, cause: options.cause }, code, options.fromHub === true);
}
