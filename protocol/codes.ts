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
  /**
   * Extension: a sealed value sealed under an epoch that is not the directory's current one (a
   * device removal rotated the key meanwhile). Open the new grant and seal again. Nothing changed.
   */
  STALE_EPOCH: "STALE_EPOCH",
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
  STALE_EPOCH: 409,
  TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  UPGRADE_REQUIRED: 426,
  QUEUE_FULL: 429,
  IDEMPOTENCY_KEY_REUSED: 422,
  RATE_LIMITED: 429,
  INTERNAL: 500,
};

/**
 * Whether the same request or message, sent again unchanged, may succeed later: `true` for
 * passing conditions (wait `retryAfterMs` / `Retry-After`, or back off, then resend with the same
 * `id` or Idempotency-Key); `false` when something must change first (the request, the token, the
 * configuration, or the user's data). Carried as `retryable` on `ERROR` frames and HTTP error bodies.
 */
export const ERROR_RETRYABLE: Record<ErrorCode, boolean> = {
  BAD_JSON: false,
  INVALID_MESSAGE: false,
  INVALID_BODY: false,
  UNKNOWN_TYPE: false,
  UNAUTHORIZED: false,
  // A new token is a new request: refresh it, then send again.
  TOKEN_INVALID: false,
  FORBIDDEN: false,
  NOT_FOUND: false,
  // Merge with `current`, then send with a new baseVersion.
  CONFLICT: false,
  // Deleting keys is a change the caller must make; the state does not shrink by itself.
  STATE_TOO_LARGE: false,
  // Shoots finish (and are then evicted) on their own: a later retry can pass.
  TOO_MANY_SHOOTS: true,
  // Sealed again under the new epoch, it is a new message.
  STALE_EPOCH: false,
  TOO_LARGE: false,
  UNSUPPORTED_MEDIA_TYPE: false,
  UPGRADE_REQUIRED: false,
  // Queued dream cycles run and leave the queue on their own.
  QUEUE_FULL: true,
  IDEMPOTENCY_KEY_REUSED: false,
  RATE_LIMITED: true,
  INTERNAL: true,
};

/**
 * Whether an error code is retryable. An unknown code (a newer server) is not: a client must not
 * loop on an error it does not understand.
 */
export function isRetryable(code: string): boolean {
  return Object.hasOwn(ERROR_RETRYABLE, code) ? ERROR_RETRYABLE[code as ErrorCode] : false;
}

/**
 * What a client does after a close:
 * - `stop`: do not reconnect until something changes (a token, the parameters, the configuration);
 * - `refresh`: get a fresh token, then reconnect at once (once; if that fails too, sign in again);
 * - `backoff`: reconnect after a jittered, growing delay;
 * - `reconnect`: reconnect now (with `since` and `epoch`), with a small jitter.
 */
export type CloseAction = "stop" | "refresh" | "backoff" | "reconnect";

/** The action for each close code the server sends today, and for the standard codes a client meets. */
export const CLOSE_ACTION: Readonly<Record<number, CloseAction>> = {
  1000: "backoff",
  1001: "backoff",
  1006: "backoff",
  // The frame was ours: drop that message; the connection itself is fine to open again.
  [CloseCode.FRAME_TOO_LARGE]: "reconnect",
  [CloseCode.INTERNAL]: "backoff",
  [CloseCode.BAD_REQUEST]: "stop",
  [CloseCode.TOKEN_MISSING]: "stop",
  [CloseCode.TOKEN_INVALID]: "refresh",
  [CloseCode.ORIGIN_NOT_ALLOWED]: "stop",
  [CloseCode.RATE_ABUSE]: "backoff",
  [CloseCode.TOO_MANY_CONNECTIONS]: "backoff",
  [CloseCode.HEARTBEAT_TIMEOUT]: "reconnect",
  [CloseCode.USER_ERASED]: "reconnect",
  [CloseCode.TOO_FAR_BEHIND]: "reconnect",
};

/**
 * The least a client waits before it reconnects after these closes (docs/protocol.md 11): a client
 * that returns sooner is closed again, and a thousand devices that return together are a storm.
 * Wait between this and twice this (jitter): 4009 30-60 s, 4008 1-2 minutes.
 */
export const CLOSE_MIN_DELAY_MS: Readonly<Partial<Record<number, number>>> = {
  [CloseCode.RATE_ABUSE]: 60_000,
  [CloseCode.TOO_MANY_CONNECTIONS]: 30_000,
};

/**
 * Ranges for close codes a client does not know. New codes are only ever added inside the range of
 * what the client must do; 4000-4099 holds the v1 codes (listed in `CLOSE_ACTION`) and gets no new ones.
 */
export const CLOSE_RANGES: readonly { from: number; to: number; action: CloseAction }[] = [
  { from: 4100, to: 4199, action: "stop" },
  { from: 4200, to: 4299, action: "refresh" },
  { from: 4300, to: 4399, action: "backoff" },
  { from: 4400, to: 4499, action: "reconnect" },
];

/**
 * What to do after a close with `code`: the listed action for a known code, else its range's action;
 * any other unknown code (1000-3999, 4000-4099, 4500-4999) backs off, which neither gives up for good
 * nor hammers the server.
 */
export function closeAction(code: number): CloseAction {
  if (Object.hasOwn(CLOSE_ACTION, code)) return CLOSE_ACTION[code]!;
  return CLOSE_RANGES.find((r) => code >= r.from && code <= r.to)?.action ?? "backoff";
}
