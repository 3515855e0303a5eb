import type { NerveStatus } from "./types.js";

/**
 * Where the client is in its life, as one value (the diagram is in docs/client.md, "Phases"):
 *
 * - `idle`: created with `autoConnect: false`, `connect()` not called yet;
 * - `connecting`: the first attempt (or one started by `reconnect()`/`wake()`), until `WELCOME`;
 * - `catching-up`: the server accepted the connection; the mirror is not trusted yet (catch-up
 *   frames until `SYNCED`, or a full `STATE` the client asked for because the mirror was not whole);
 * - `synced`: `SYNCED` arrived and the mirror is whole: what it shows is the server's state;
 * - `reconnecting`: the connection went; the client retries with backoff (or at once, by close code);
 * - `offline`: `maxRetries` attempts failed; left by `wake()`, the browser's `online`/visible, `reconnect()`;
 * - `refused` (terminal): the server closed with a code whose action is `stop` (4000, 4001, 4003,
 *   4100-4199): retrying as is cannot help; left only by `reconnect()`;
 * - `closed` (terminal): `close()` was called; nothing leaves it.
 */
export type NervePhase = "idle" | "connecting" | "catching-up" | "synced" | "reconnecting" | "offline" | "refused" | "closed";

/** Why the phase changed. */
export type PhaseReason =
  /** `connect()`, or `autoConnect`. */
  | "connect"
  /** `reconnect()`, `wake()` or the browser's `online`/visible: a new attempt now, with a fresh retry budget. */
  | "restart"
  /** `WELCOME`: the server accepted the connection. */
  | "welcome"
  /** `SYNCED` with a whole mirror, or the full `STATE` that made it whole after `SYNCED`. */
  | "synced"
  /** The mirror lost the client's trust while live (a seq gap, an event it could not read): it asks for the full state. */
  | "resync"
  /** The connection closed (or answered no ping); the client tries again. */
  | "connection-lost"
  /** `maxRetries` attempts in a row failed. */
  | "retries-spent"
  /** The server closed with a `stop` code. */
  | "server-refused"
  /** `close()`. */
  | "client-closed";

/** One transition, as the `phase` event hands it over. `close` is the close that caused it, when one did. */
export interface PhaseChange {
  from: NervePhase;
  to: NervePhase;
  reason: PhaseReason;
  close?: { code: number; reason: string };
}

const LEAVE_CONNECTED: readonly NervePhase[] = ["connecting", "reconnecting", "offline", "refused", "closed"];

/** The legal transitions: anything else is a bug in the client, reported and not taken. */
export const PHASE_TRANSITIONS: Readonly<Record<NervePhase, readonly NervePhase[]>> = {
  idle: ["connecting", "closed"],
  connecting: ["catching-up", "reconnecting", "offline", "refused", "closed"],
  "catching-up": ["synced", ...LEAVE_CONNECTED],
  synced: ["catching-up", ...LEAVE_CONNECTED],
  reconnecting: ["connecting", "catching-up", "offline", "refused", "closed"],
  offline: ["connecting", "closed"],
  refused: ["connecting", "closed"],
  closed: [],
};

/** Phases with an accepted connection (after `WELCOME`). */
export const CONNECTED_PHASES: ReadonlySet<NervePhase> = new Set(["catching-up", "synced"]);

/** The coarser status of earlier versions, kept for `client.status`, the `status` event and `snapshot.status`. */
export function statusOf(phase: NervePhase): NerveStatus {
  switch (phase) {
    case "connecting": return "connecting";
    case "catching-up":
    case "synced": return "connected";
    case "reconnecting": return "reconnecting";
    case "offline": return "offline";
    default: return "closed"; // idle, refused, closed
  }
}

/**
 * The client's one phase and its one transition function, after centrifuge-js's `_setState`: a
 * change to the same phase is no change (returns false, emits nothing); every real change is
 * handed to `onChange` as `{from, to, reason}`. An illegal one is reported and not taken.
 * @example
 * const machine = new PhaseMachine((c) => console.log(`${c.from} -> ${c.to} (${c.reason})`), console.warn);
 * machine.to("connecting", "connect"); // "idle -> connecting (connect)"
 */
export class PhaseMachine {
  private current: NervePhase = "idle";

  constructor(
    private readonly onChange: (change: PhaseChange) => void,
    private readonly onIllegal: (message: string) => void,
  ) {}

  get phase(): NervePhase {
    return this.current;
  }

  /** Moves to `next`; true when the phase changed. */
  to(next: NervePhase, reason: PhaseReason, close?: { code: number; reason: string }): boolean {
    const from = this.current;
    if (from === next) return false;
    if (!PHASE_TRANSITIONS[from].includes(next)) {
      this.onIllegal(`nerve: illegal phase change ${from} -> ${next} (${reason}) ignored`);
      return false;
    }
    this.current = next;
    this.onChange({ from, to: next, reason, ...(close ? { close } : {}) });
    return true;
  }
}
