import {
  CAS_TYPES, CLIENT_MESSAGE_DATA, DATA_OPTIONAL, ErrorCode, STATE_UPDATE_TYPES, stateKeyOf, toWireIssues,
  type ErrorFrame, type EventType,
} from "../protocol/index.js";
import type { Emitter } from "./emitter.js";
import { randomId } from "./ids.js";
import { Outbox, type OutboxEntry } from "./outbox.js";
import { overlappingFields, withoutFields } from "./rebase.js";
import type { SyncStore } from "./sync-store.js";
import { ClientErrorCode, NerveClientError, type ConflictEvent, type NerveEventMap, type SendOptions, type SendResult } from "./types.js";

/** The event an accepted message of ours became, when the client can rebuild it. */
const OWN_EVENT: Partial<Record<string, EventType>> = {
  UPDATE_PROGRESS: "SHOOT_PROGRESS",
  LIMBIC_UPDATE: "LIMBIC_UPDATE",
  CONVERGENCE_UPDATE: "CONVERGENCE_UPDATE",
  POSTURE_CHANGE: "POSTURE_CHANGE",
  SEALED_UPDATE: "SEALED_UPDATE",
  KEYRING_UPDATE: "KEYRING_UPDATE",
  PAIRING_UPDATE: "PAIRING_UPDATE",
};

export interface PendingSendsOptions {
  maxOutbox: number;
  store: SyncStore;
  emitter: Emitter<NerveEventMap>;
  /** Whether the mirror is trusted now (phase `synced`): an edit made then goes without baseVersion. */
  mirrorTrusted: () => boolean;
  /** This device's id, the `from` of our own events. */
  deviceId: () => string;
  /** The outbox changed: publish `pending`, check for a seq gap, send what waits. */
  changed: () => void;
}

/**
 * Every message between `send()` and the server's answer: validated and queued with what it was
 * made on, resolved on `ACCEPTED` (our own update applied to the mirror), rejected on `ERROR`, and,
 * for conflict-aware edits refused with `CONFLICT`, rebased and sent again or held and raised as a
 * `conflict` event. Nothing leaves the outbox without the app being told.
 */
export class PendingSends {
  readonly outbox: Outbox;

  constructor(private readonly o: PendingSendsOptions) {
    this.outbox = new Outbox(o.maxOutbox, (entries) => o.store.saveOutbox(entries));
  }

  get size(): number {
    return this.outbox.size;
  }

  /** Validates and queues a message; see `NerveClient.send`. */
  add(type: string, data: unknown, options: SendOptions): Promise<SendResult> {
    const schema = CLIENT_MESSAGE_DATA[type as keyof typeof CLIENT_MESSAGE_DATA];
    if (!schema) return Promise.reject(new NerveClientError(ErrorCode.UNKNOWN_TYPE, `unknown message type "${type}"`));
    const parsed = schema.safeParse(data === undefined && DATA_OPTIONAL.has(type) ? {} : data);
    if (!parsed.success) {
      return Promise.reject(new NerveClientError(ErrorCode.INVALID_MESSAGE, `invalid ${type} data`, { issues: toWireIssues(parsed.error.issues, ["data"]) }));
    }
    if (options.baseVersion !== undefined && !CAS_TYPES.has(type)) {
      return Promise.reject(new NerveClientError(ErrorCode.INVALID_MESSAGE, `${type} does not take baseVersion`));
    }
    if (this.outbox.isFull) return Promise.reject(new NerveClientError(ErrorCode.QUEUE_FULL, `the outbox holds ${this.o.maxOutbox} messages already`));
    const id = options.id ?? randomId("m-");
    if (this.outbox.has(id)) return Promise.reject(new NerveClientError(ErrorCode.INVALID_MESSAGE, `message ${id} is already in the outbox`));
    return new Promise<SendResult>((resolve, reject) => {
      const base = options.baseVersion !== undefined ? { baseVersion: options.baseVersion } : this.editBase(type, parsed.data);
      this.outbox.add({ id, type, data: parsed.data, createdAt: Date.now(), ...base }, { resolve, reject });
      this.o.changed();
    });
  }

  /** An ACCEPTED frame: resolves its send, and applies our own update to the mirror. */
  accepted(frame: { id?: string; seq?: number; ts?: number; at?: number; duplicate?: boolean; cycleId?: string }): void {
    if (frame.id === undefined) return;
    const taken = this.outbox.take(frame.id);
    if (!taken) return;
    const { entry, waiter } = taken;
    if (frame.seq !== undefined) {
      this.ownEvent(entry, frame.seq, frame.ts, frame.at);
      this.rebaseAfterOwn(entry, frame.seq);
    }
    const result: SendResult = {
      id: entry.id, ...(frame.seq !== undefined ? { seq: frame.seq } : {}), duplicate: frame.duplicate === true,
      ...(frame.cycleId !== undefined ? { cycleId: frame.cycleId } : {}),
    };
    this.o.changed();
    if (waiter) waiter.resolve(result);
    else this.o.emitter.emit("outbox", { id: entry.id, type: entry.type, result });
  }

  /** An ERROR frame that names a message of ours (false when it names none: the caller reports it). */
  refused(frame: ErrorFrame): boolean {
    const entry = frame.id !== undefined ? this.outbox.get(frame.id) : undefined;
    if (!entry) return false;
    if (frame.code === ErrorCode.CONFLICT && entry.auto && frame.currentVersion !== undefined) {
      this.onConflict(entry, frame.current ?? undefined, frame.currentVersion);
      this.o.changed();
      return true;
    }
    const { waiter } = this.outbox.take(entry.id)!;
    const error = NerveClientError.fromFrame(frame);
    this.o.changed();
    if (waiter) waiter.reject(error);
    else this.o.emitter.emit("outbox", { id: entry.id, type: entry.type, error });
    return true;
  }

  /**
   * Another user's outbox replaces this one: the waiting promises reject with USER_CHANGED (their
   * messages stay persisted under their user), and the new user's persisted entries come first.
   */
  switchUser(switching: boolean, stored: readonly OutboxEntry[]): void {
    if (switching) {
      this.outbox.rejectWaiters(new NerveClientError(ClientErrorCode.USER_CHANGED, "the token now names another user"));
      this.outbox.dropAll();
    }
    const restored = this.outbox.restore(stored);
    // Sent before the user was known: saved now under the user's key.
    if (restored === 0 && this.outbox.size > 0) this.o.store.saveOutbox(this.outbox.list());
  }

  /** Rejects every waiting promise (close): the messages stay persisted for a later client. */
  rejectAll(error: NerveClientError): void {
    this.outbox.rejectWaiters(error);
  }

  /**
   * A state edit without an explicit baseVersion records what it was made on: the key's version and
   * value in the mirror now. It goes with that baseVersion when it was made while the mirror was not
   * trusted (or is still unanswered at a reconnect), so a newer change is never overwritten unseen;
   * edits made while synced go without (last write wins: every device sees the other's change within
   * a round trip).
   */
  private editBase(type: string, data: unknown): Partial<OutboxEntry> {
    const key = STATE_UPDATE_TYPES.has(type) ? stateKeyOf(OWN_EVENT[type]!, data) : null;
    if (key === null) return {};
    const m = this.o.store.mirror;
    const base = (m.state as Record<string, unknown>)[key];
    return { baseVersion: m.versions[key] ?? 0, auto: { key, ...(base !== undefined ? { base } : {}) }, ...(this.o.mirrorTrusted() ? {} : { guarded: true }) };
  }

  /**
   * Our own accepted message: the server does not echo it to us, so the client applies it to the
   * mirror (`versions[key] = seq`, with the server's `ts`) and hands it to listeners like any event.
   * A type whose event it cannot rebuild (dream messages) leaves a hole that the gap check turns
   * into a STATE_SYNC. An older server sends no `ts`: the local clock stands in.
   */
  private ownEvent(entry: OutboxEntry, seq: number, ts?: number, at?: number): void {
    const type = OWN_EVENT[entry.type];
    if (type) this.o.store.sync.own(type, entry.data, seq, this.o.deviceId(), ts ?? Date.now(), at);
  }

  /**
   * Our edit was accepted on top of `baseVersion`: the later queued edits of the key that were made
   * on the same version were made on the value just before ours, so they move onto ours.
   */
  private rebaseAfterOwn(entry: OutboxEntry, seq: number): void {
    const key = entry.auto?.key;
    const m = this.o.store.mirror;
    if (!key || entry.baseVersion === undefined || m.versions[key] !== seq) return;
    const base = (m.state as Record<string, unknown>)[key];
    for (const e of this.outbox.ofKey(key)) {
      if (e.baseVersion === entry.baseVersion && !e.held && !this.outbox.isInflight(e.id)) this.outbox.update(e.id, { baseVersion: seq, auto: { key, base } });
    }
  }

  /**
   * A guarded edit was refused: the key changed since it was made. Every waiting edit of the key
   * made on the same version is checked against what the newer change touched (its base value vs
   * the server's current): no overlap, it is rebased and sent again (under a new id: the server
   * remembers the CONFLICT by id); an overlap holds it and raises `conflict`.
   */
  private onConflict(refused: OutboxEntry, current: unknown, currentVersion: number): void {
    const key = refused.auto!.key;
    const group = this.outbox.ofKey(key).filter((e) => e.id === refused.id || (e.baseVersion === refused.baseVersion && !e.held && !this.outbox.isInflight(e.id)));
    for (const e of group) {
      const fields = overlappingFields(key, e.data, e.auto!.base, current);
      if (fields.length === 0) {
        this.outbox.update(e.id, { id: randomId("m-"), baseVersion: currentVersion, auto: { key, base: current }, guarded: true });
        continue;
      }
      const held = this.outbox.update(e.id, { held: true })!;
      this.raiseConflict(held, fields, current, currentVersion);
    }
  }

  private raiseConflict(entry: OutboxEntry, fields: string[], theirs: unknown, theirsVersion: number): void {
    let done = false;
    const v = (theirs ?? {}) as { by?: unknown; changedAt?: unknown; updatedAt?: unknown };
    const at = typeof v.changedAt === "number" ? v.changedAt : typeof v.updatedAt === "number" ? v.updatedAt : undefined;
    const event: ConflictEvent = {
      key: entry.auto!.key, fields, mine: entry.data as Record<string, unknown>, theirs, theirsVersion, id: entry.id,
      ...(typeof v.by === "string" ? { theirsFrom: v.by } : {}),
      ...(at !== undefined ? { theirsAt: at } : {}),
      resolve: (choice) => {
        if (done) return;
        done = true;
        this.resolveConflict(entry.id, fields, choice);
      },
    };
    // Nobody listens: the newer change stands and the edit's sender is told (the promise rejects
    // with CONFLICT, or an `outbox` event for an edit restored from storage).
    if (this.o.emitter.count("conflict") === 0) return event.resolve("theirs");
    this.o.emitter.emit("conflict", event);
  }

  private resolveConflict(id: string, fields: string[], choice: "mine" | "theirs"): void {
    const entry = this.outbox.get(id);
    if (!entry?.held) return;
    const key = entry.auto!.key;
    const data = choice === "mine" ? entry.data : withoutFields(key, entry.data, fields);
    const m = this.o.store.mirror;
    if (data !== null) {
      // Onto the value the mirror holds now, which includes the newer change.
      const base = (m.state as Record<string, unknown>)[key];
      this.outbox.update(id, { id: randomId("m-"), data, held: false, guarded: true, baseVersion: m.versions[key] ?? 0, auto: { key, ...(base !== undefined ? { base } : {}) } });
    } else {
      const { waiter } = this.outbox.take(id)!;
      const error = new NerveClientError(ErrorCode.CONFLICT, `${key} was changed by a newer edit of ${fields.join(", ")}; resolved as theirs`, {
        current: (m.state as Record<string, unknown>)[key], currentVersion: m.versions[key] ?? 0,
      });
      if (waiter) waiter.reject(error);
      else this.o.emitter.emit("outbox", { id, type: entry.type, error });
    }
    this.o.changed();
  }
}
