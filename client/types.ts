import { ErrorCode } from "../protocol/index.js";
import type {
  ClientMessageType, Convergence, ConvergenceUpdateData, CreditUpdateData, DeviceInfo, DreamCancelData, DreamCancelledData,
  DreamFailedData, DreamProgressData, DreamQueuedData, DreamResultData, DreamScheduleData, DreamsState, DreamStartData,
  ErrorFrame, EventType, Limbic, LimbicUpdateData, NerveEvent, NightlySchedule,
  PostureChangeData, PostureState, PromptChangeData, ShootProgressData, StateRemovedData, WelcomeFrame,
  Keyring, KeyringUpdateData, PairingState, PairingUpdateData, SealedEnvelope, SealedUpdateData,
} from "../protocol/index.js";
import type { NervePhase, PhaseChange } from "./phase.js";

/**
 * The connection's status, derived from the phase (`statusOf`): `connecting`; `connected` (catching
 * up or synced); `reconnecting`; `offline`; `closed` (idle, refused by the server, or closed).
 * Prefer `phase`, which also says whether the mirror is trusted and why the client stopped.
 */
export type NerveStatus = "connecting" | "connected" | "reconnecting" | "offline" | "closed";

/** The data of each durable event type. */
export interface EventDataMap {
  SHOOT_PROGRESS: ShootProgressData;
  CREDIT_UPDATE: CreditUpdateData;
  PROMPT_CHANGE: PromptChangeData;
  LIMBIC_UPDATE: LimbicUpdateData;
  CONVERGENCE_UPDATE: ConvergenceUpdateData;
  POSTURE_CHANGE: PostureChangeData;
  DREAM_QUEUED: DreamQueuedData;
  DREAM_PROGRESS: DreamProgressData;
  DREAM_RESULT: DreamResultData;
  DREAM_FAILED: DreamFailedData;
  DREAM_CANCELLED: DreamCancelledData;
  /** The resolved nightly schedule (with `nextAt`). */
  DREAM_SCHEDULE: NightlySchedule;
  /** State keys that no longer exist; the mirror has already dropped them when listeners hear of it. */
  STATE_REMOVED: StateRemovedData;
  /** Sealed state (docs/encryption.md): read them through `nerve/client/sealed`, which verifies and decrypts. */
  SEALED_UPDATE: SealedUpdateData;
  KEYRING_UPDATE: KeyringUpdateData;
  PAIRING_UPDATE: PairingUpdateData;
}

/** A durable event with its data typed by `type`. */
export type TypedEvent<T extends EventType = EventType> = { [K in T]: NerveEvent<K, EventDataMap[K]> }[T];

/** The `shoots.<shootId>` state value. */
export type ShootState = ShootProgressData & { updatedAt: number };
/** The `credits` state value. */
export type CreditState = CreditUpdateData & { updatedAt: number };

/**
 * The user's state as mirrored by the client. Keys are flat: `shoots.<shootId>` holds one shoot.
 * A key is absent until it has a value on the server.
 */
export interface NerveState {
  limbic?: Limbic;
  convergence?: Convergence;
  posture?: PostureState;
  credits?: CreditState;
  /** The dream schedule, the running cycle, the queue and the last 20 cycles. */
  dreams?: DreamsState;
  [shootKey: `shoots.${string}`]: ShootState | undefined;
  /** Sealed values (ciphertext), the device directory and pairings: see `nerve/client/sealed`. */
  [sealedKey: `sealed.${string}`]: SealedEnvelope | undefined;
  keyring?: Keyring;
  [pairingKey: `pairing.${string}`]: PairingState | undefined;
}

/** Everything a UI reads, as one immutable snapshot (a new object on every change; unchanged parts keep their identity). */
export interface NerveSnapshot {
  /** Where the client is in its life (docs/client.md, "Phases"). */
  phase: NervePhase;
  /** The coarser status, derived from `phase`. */
  status: NerveStatus;
  /** `phase === "synced"`: `SYNCED` arrived and the mirror is whole, so it shows the server's state. */
  synced: boolean;
  userId: string | null;
  deviceId: string | null;
  state: Readonly<NerveState>;
  /** State key to the seq of its current version: pass it as `baseVersion`. */
  versions: Readonly<Record<string, number>>;
  devices: readonly DeviceInfo[];
  /** The highest seq this client has processed (persisted; sent as `since`). */
  seq: number;
  /** Rolling round-trip time of the text ping, in ms; null before the first pong. */
  latencyMs: number | null;
  /** 0-100 from latency and recent reconnects. */
  quality: number;
  /** Messages waiting in the outbox (queued or sent and not yet answered). */
  pending: number;
  /** The last close code from the server or the network, if any. */
  lastClose: { code: number; reason: string } | null;
}

/** The data each sendable message type takes. */
export interface SendDataMap {
  UPDATE_PROGRESS: ShootProgressData;
  LIMBIC_UPDATE: LimbicUpdateData;
  CONVERGENCE_UPDATE: ConvergenceUpdateData;
  POSTURE_CHANGE: PostureChangeData;
  DREAM_START: DreamStartData;
  DREAM_CANCEL: DreamCancelData;
  DREAM_SCHEDULE: DreamScheduleData;
  STATE_SYNC: Record<string, never>;
  SEALED_UPDATE: SealedUpdateData;
  KEYRING_UPDATE: KeyringUpdateData;
  PAIRING_UPDATE: PairingUpdateData;
}
export type SendType = keyof SendDataMap & ClientMessageType;

export interface SendOptions {
  /** Compare-and-set: the key's version this update is based on (see `snapshot.versions`). State updates only. */
  baseVersion?: number;
  /** A client message id; generated when absent. Reusing one returns the first answer. */
  id?: string;
}

/** What a send resolves with when the server answers `ACCEPTED`. */
export interface SendResult {
  id: string;
  /** The seq of the event it became, when it became one. */
  seq?: number;
  /** True when the server said so (`duplicate: true`). A repeated id usually gets the first answer again, unmarked. */
  duplicate: boolean;
  /** `DREAM_START`: the id of the queued cycle. */
  cycleId?: string;
}

/**
 * A queued edit (made offline, or unanswered at a reconnect) that a newer change of the same fields
 * refused. The mirror shows theirs; the edit waits in the outbox until `resolve` is called.
 * With no `conflict` listener at all, the client resolves "theirs" at once (see docs/client.md).
 */
export interface ConflictEvent {
  /** The state key: `limbic`, `convergence`, `posture` or `shoots.<shootId>`. */
  key: string;
  /** The fields both changed (`trust`, `answers.q1`; the key itself for whole values). */
  fields: string[];
  /** The edit's data as the app sent it. */
  mine: Record<string, unknown>;
  /** The key's value on the server now. */
  theirs: unknown;
  /** The version (seq) of `theirs`. */
  theirsVersion: number;
  /** Who made the newer change, when the value says so (posture's `by`). */
  theirsFrom?: string;
  /** When the newer change was made (ms), when the value says so (posture's `changedAt`, a shoot's `updatedAt`). */
  theirsAt?: number;
  /** The outbox id of the edit. */
  id: string;
  /**
   * "mine": the whole edit is rebased onto the current value and sent (it wins the overlapping
   * fields). "theirs": the overlapping fields are dropped and the rest, if any, is sent; the send's
   * promise rejects with CONFLICT when nothing is left. Only the first call counts.
   */
  resolve(choice: "mine" | "theirs"): void;
}

/** Events of the client itself, beside the durable event types. */
export interface ClientEventMap {
  /** The phase changed: `{from, to, reason, close?}` (before the `status` event it may cause). */
  phase: PhaseChange;
  /** The status changed. */
  status: NerveStatus;
  /** A `WELCOME` frame (every connect). */
  welcome: WelcomeFrame;
  /** The phase became `synced`: catch-up is complete and the mirror whole; live events follow. */
  synced: { seq: number; resumed: boolean };
  /** The state mirror changed: the keys that changed, and whether it was replaced. */
  state: { keys: string[]; reset: boolean };
  /** The device list changed. */
  devices: readonly DeviceInfo[];
  DEVICE_CONNECTED: DeviceInfo;
  DEVICE_DISCONNECTED: DeviceInfo;
  /** Every durable event, in seq order, exactly once. */
  event: TypedEvent;
  /** An `ERROR` frame that answers no pending send (e.g. RATE_LIMITED for an ACK, BAD_JSON). */
  error: ErrorFrame;
  /** The socket closed (any cause); `willRetry` says whether the client reconnects by itself. */
  close: { code: number; reason: string; willRetry: boolean };
  /** A queued edit overlaps a newer change: choose with `resolve` (until then it waits in the outbox). */
  conflict: ConflictEvent;
  /** An outbox message restored from storage (its promise is gone) was answered. */
  outbox: { id: string; type: string; result?: SendResult; error?: NerveClientError };
}

export type NerveEventMap = ClientEventMap & { [T in EventType]: TypedEvent<T> };

/** Codes the client gives on its own, beside the contract's `ErrorCode`. */
export const ClientErrorCode = {
  /** `close()` was called, or the server refused the connection for good (phase `closed` or `refused`). */
  CLOSED: "CLOSED",
  /** `maxRetries` attempts failed (phase `offline`). */
  OFFLINE: "OFFLINE",
  /** The token now names another user: this user's pending sends stay persisted for a later session. */
  USER_CHANGED: "USER_CHANGED",
  /** An `ERROR` frame with a code this client does not know (a newer server): the frame is the `cause`. */
  UNKNOWN_ERROR: "UNKNOWN_ERROR",
} as const;
export type ClientErrorCode = (typeof ClientErrorCode)[keyof typeof ClientErrorCode];

/** Every code a `NerveClientError` can carry: switch on it exhaustively. */
export type NerveErrorCode = ErrorCode | ClientErrorCode;

/** What a NerveClientError may carry beside its code and message. */
export interface NerveClientErrorDetails extends Partial<Pick<ErrorFrame, "issues" | "current" | "currentVersion" | "retryAfterMs" | "retryable">> {
  /** What led to it: the server's `ERROR` frame, the close (`{code, reason}`) that ended a wait, or an error thrown underneath. */
  cause?: unknown;
}

/**
 * A refused send, or a client-side failure. `code` is an `ErrorCode` from the contract
 * (`CONFLICT`, `INVALID_MESSAGE`, `QUEUE_FULL`, ...) or a `ClientErrorCode` (`CLOSED`, `OFFLINE`,
 * `USER_CHANGED`, `UNKNOWN_ERROR`); `cause` is the standard one (see `NerveClientErrorDetails`).
 * @example
 * try { await client.send("LIMBIC_UPDATE", { trust: 0.8 }); }
 * catch (e) { if (e instanceof NerveClientError && e.code === "CONFLICT") show(e.current); }
 */
export class NerveClientError extends Error {
  readonly code: NerveErrorCode;
  readonly issues?: { path: string; message: string }[];
  readonly current?: unknown;
  readonly currentVersion?: number;
  readonly retryAfterMs?: number;
  /** From the server (`ERROR.retryable`): whether the same message may pass if sent again later. */
  readonly retryable?: boolean;

  constructor(code: NerveErrorCode, message: string, details: NerveClientErrorDetails = {}) {
    super(message, details.cause !== undefined ? { cause: details.cause } : undefined);
    this.name = "NerveClientError";
    this.code = code;
    if (details.issues !== undefined) this.issues = details.issues;
    if (details.current !== undefined) this.current = details.current;
    if (details.currentVersion !== undefined) this.currentVersion = details.currentVersion;
    if (details.retryAfterMs !== undefined) this.retryAfterMs = details.retryAfterMs;
    if (details.retryable !== undefined) this.retryable = details.retryable;
  }

  /** The error an `ERROR` frame stands for; the frame is its `cause`. A code this client does not know becomes `UNKNOWN_ERROR`. */
  static fromFrame(frame: ErrorFrame): NerveClientError {
    const known = Object.hasOwn(ErrorCode, frame.code) ? (frame.code as ErrorCode) : ClientErrorCode.UNKNOWN_ERROR;
    const { issues, current, currentVersion, retryAfterMs, retryable } = frame;
    return new NerveClientError(known, frame.message, { issues, current, currentVersion, retryAfterMs, retryable, cause: frame });
  }
}
