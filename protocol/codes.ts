/**
 * Close codes and error codes of the Nerve wire contract, v1.
 * Stable: clients switch on these values.
 */

/** WebSocket close codes the server uses. 4001-4009 and 1009 are from the contract; the rest are documented extensions. */
export const CloseCode = {
  /** Frame larger than MAX_FRAME_BYTES. Do not send it again. */
  FRAME_TOO_LARGE: 1009,
  /** The server hit an unexpected error; reconnect with backoff. */
  INTERNAL: 1011,
  /** Extension: the upgrade request's query parameters were invalid (reason says which). Fix them; do not retry as is. */
  BAD_REQUEST: 4000,
  /** No token was given. Stop; get a token. */
  TOKEN_MISSING: 4001,
  /** The token is invalid or expired. Refresh it, then reconnect. */
  TOKEN_INVALID: 4002,
  /** The Origin is not allowed. Stop. */
  ORIGIN_NOT_ALLOWED: 4003,
  /** Too many refused messages. Back off, reconnect later. */
  RATE_ABUSE: 4008,
  /** Too many connections for this user. Back off. */
  TOO_MANY_CONNECTIONS: 4009,
  /** Extension: no `ping` (or any frame) for twice the heartbeat; the server considers the connection dead. Reconnect. */
  HEARTBEAT_TIMEOUT: 4010,
  /** Extension: the user's data was erased (a new epoch began). Reconnect; the resume becomes a reset. */
  USER_ERASED: 4011,
  /**
   * Extension: the connection fell more than MAX_UNACKED_BYTES of live events behind its last `ACK`
   * (the server cannot see a socket's backlog; unacknowledged bytes stand for it). Reconnect with `since`.
   */
  TOO_FAR_BEHIND: 4012,
} as const;
export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];

/** Codes of `ERROR` frames and of HTTP error bodies. */
export const ErrorCode = {
  BAD_JSON: "BAD_JSON",
  INVALID_MESSAGE: "INVALID_MESSAGE",
  UNKNOWN_TYPE: "UNKNOWN_TYPE",
  RATE_LIMITED: "RATE_LIMITED",
  TOO_LARGE: "TOO_LARGE",
  CONFLICT: "CONFLICT",
  FORBIDDEN: "FORBIDDEN",
  INTERNAL: "INTERNAL",
  // HTTP-only and extension codes.
  INVALID_BODY: "INVALID_BODY",
  UNAUTHORIZED: "UNAUTHORIZED",
  TOKEN_INVALID: "TOKEN_INVALID",
  NOT_FOUND: "NOT_FOUND",
  UNSUPPORTED_MEDIA_TYPE: "UNSUPPORTED_MEDIA_TYPE",
  UPGRADE_REQUIRED: "UPGRADE_REQUIRED",
  QUEUE_FULL: "QUEUE_FULL",
  /** Extension: an Idempotency-Key reused with a different request (another route or body). */
  IDEMPOTENCY_KEY_REUSED: "IDEMPOTENCY_KEY_REUSED",
  /** Extension: the write would take the user's state past a limit (MAX_STATE_BYTES, MAX_ANSWERS, one value's size). Nothing changed. */
  STATE_TOO_LARGE: "STATE_TOO_LARGE",
  /** Extension: a new shoot while MAX_SHOOTS shoots exist and none is finished (none can be evicted). Nothing changed. */
  TOO_MANY_SHOOTS: "TOO_MANY_SHOOTS",
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** The HTTP status for each error code. */
export const ErrorStatus: Record<ErrorCode, number> = {
  BAD_JSON: 400,
  INVALID_MESSAGE: 400,
  INVALID_BODY: 400,
  UNKNOWN_TYPE: 400,
  UNAUTHORIZED: 401,
  TOKEN_INVALID: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  // 409, not 413: the request is well-formed and within MAX_BODY_BYTES; the user's state is what is full.
  STATE_TOO_LARGE: 409,
  TOO_MANY_SHOOTS: 409,
  TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  UPGRADE_REQUIRED: 426,
  QUEUE_FULL: 429,
  IDEMPOTENCY_KEY_REUSED: 422,
  RATE_LIMITED: 429,
  INTERNAL: 500,
};
