/**
 * Sealed state on top of a NerveClient: this device's keys, the verified directory, the content
 * keys it was granted, and sealed values in and out. Uses only the client's public API (send,
 * getSnapshot, on); the hub sees nothing but ciphertext. docs/encryption.md; docs/client.md.
 */
import {
  ErrorCode, KEYRING_KEY, Keyring, SEALED_PREFIX, SealedErrorCode,
  type DirectoryDevice, type KeyGrant, type KeyringUpdateData, type PairingUpdateData, type SealedUpdateData,
} from "../../protocol/index.js";
import type { NerveClient } from "../nerve-client.js";
import { defaultStorage, type NerveStorage } from "../storage.js";
import { Approvals, type PairingRequest, type PairingView } from "./approvals.js";
import { b64url, equalBytes, fromB64url } from "./bytes.js";
import { defaultKeyStore, type DeviceKeys, type DeviceKeyStore } from "./device-keys.js";
import { signLink, verifyDirectory, type Pin, type VerifiedDirectory } from "./directory.js";
import { sealValue } from "./envelopes.js";
import { makeGrant, openKeys, wrapPrevious } from "./grants.js";
import { epochKeys, randomBytes, type EpochKeys } from "./primitives.js";
import { SealedError } from "./sealed-error.js";
import { SealedValues, type Opener, type SealedChange, type SealedValue } from "./sealed-values.js";

export type { SealedChange, SealedValue } from "./sealed-values.js";

export interface SealedOptions {
  /** Where this device's key pairs live. Default: non-extractable WebCrypto keys in IndexedDB where supported, else bytes in `storage`. */
  keyStore?: DeviceKeyStore;
  /** Where the pinned directory head (and, bytes key store, the keys) are kept. Default: localStorage in browsers, memory elsewhere. */
  storage?: NerveStorage;
  /** This device's name in the directory and in approval requests. */
  deviceName?: string;
  storagePrefix?: string;
}

/**
 * - `waiting`: not synced yet; `none`: the user has no directory (call `setup()`);
 * - `unapproved`: another device must approve this one (`requestApproval()`); `locked`: approved,
 *   its key grant not here yet; `ready`: the directory is verified and this device holds the key;
 * - `removed`: this device was removed; `tampered`: the directory or grant failed verification (see `error`).
 */
export type SealedStatus = "waiting" | "none" | "unapproved" | "locked" | "ready" | "removed" | "tampered";

export interface SealedSnapshot {
  status: SealedStatus;
  /** Where the device keys are: `webcrypto` (non-extractable) or `bytes`. */
  keyKind: DeviceKeys["kind"] | null;
  epoch: number;
  members: readonly DirectoryDevice[];
  pairings: readonly PairingView[];
  requests: readonly PairingRequest[];
  error: { code: string; message: string } | null;
}

/** Resolves once the client's verified epoch is above `epoch` (a rotation arrived), or after 10 s. */
function waitForEpochAbove(sealed: SealedClient, epoch: number): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      off();
      resolve();
    };
    const timer = setTimeout(done, 10_000);
    const off = sealed.subscribe(() => {
      if (sealed.getSnapshot().epoch > epoch) done();
    });
    if (sealed.getSnapshot().epoch > epoch) done();
  });
}

export class SealedClient {
  private me: { id: string; keys: DeviceKeys; userId: string } | null = null;
  private pin: Pin | null = null;
  /** On a new device: the approver whose signature it trusts (the user compared the codes). */
  private approvedBy: { deviceId: string; ed25519: string } | null = null;
  private dir: VerifiedDirectory | null = null;
  private keys = new Map<number, EpochKeys>();
  private snap: SealedSnapshot = { status: "waiting", keyKind: null, epoch: 0, members: [], pairings: [], requests: [], error: null };
  private readonly listeners = new Set<() => void>();
  private readonly values = new SealedValues();
  private readonly approvals: Approvals;
  private work: Promise<void> = Promise.resolve();
  private readonly storage: NerveStorage;
  private readonly prefix: string;
  private keyStore: DeviceKeyStore | null;
  private readonly unsubscribe: (() => void)[] = [];

  constructor(private readonly client: NerveClient, private readonly options: SealedOptions = {}) {
    this.storage = options.storage ?? defaultStorage();
    this.prefix = options.storagePrefix ?? "nerve:sealed:";
    this.keyStore = options.keyStore ?? null;
    this.approvals = new Approvals({
      me: () => ({ id: this.me!.id, keys: this.me!.keys, ...(options.deviceName !== undefined ? { name: options.deviceName } : {}) }),
      state: () => this.client.getSnapshot().state as Record<string, unknown>,
      versions: () => this.client.getSnapshot().versions,
      send: (type: "PAIRING_UPDATE" | "KEYRING_UPDATE", data: PairingUpdateData | KeyringUpdateData, baseVersion?: number) =>
        this.client.send(type, data as never, baseVersion !== undefined ? { baseVersion } : {}),
      verified: () => {
        const current = this.dir && this.keys.get(this.dir.epoch);
        return this.dir && current && this.snap.status === "ready" ? { dir: this.dir, keys: current } : null;
      },
      trustApprover: async (approver) => {
        this.approvedBy = approver;
        await this.save();
        this.refresh([KEYRING_KEY]);
      },
      changed: () => this.publish({}),
    });
    this.unsubscribe.push(
      client.on("state", ({ keys, reset }) => this.refresh(reset ? null : keys)),
      client.on("synced", () => this.refresh(null)),
    );
    if (client.getSnapshot().synced) this.refresh(null);
  }

  getSnapshot(): SealedSnapshot {
    return this.snap;
  }

  /** Calls `listener` after every change of the snapshot; returns an unsubscribe function. */
  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Resolves once the work queued so far (verification, decryption) is done. */
  settled(): Promise<void> {
    return this.work;
  }

  /**
   * Each sealed value that changes, verified and decrypted, or its coded refusal (`SEALED_TAMPERED` ...).
   * On becoming `ready`, every sealed value present is handed over once.
   * @example client.sealed.onSealed(({ name, value, error }) => error ? warn(error.code) : show(name, value.value))
   */
  onSealed(handler: (change: SealedChange) => void): () => void {
    return this.values.on(handler);
  }

  /**
   * Seals and writes `sealed.<name>`. Resolves with the hub's answer; rejects with a SealedError
   * (`SEALED_LOCKED` before this device holds the key) or the server's refusal (`CONFLICT` with a
   * `baseVersion`, `STALE_EPOCH` when a rotation raced it).
   * @example await client.sealed.set("journal", { text: "..." }, { baseVersion: client.versions["sealed.journal"] ?? 0 })
   */
  set(name: string, value: unknown, options: { baseVersion?: number } = {}): Promise<{ seq?: number }> {
    return this.seal(name, value, options, false);
  }

  private async seal(name: string, value: unknown, options: { baseVersion?: number }, retried: boolean): Promise<{ seq?: number }> {
    await this.work;
    const current = this.dir && this.keys.get(this.dir.epoch);
    if (!this.me || !current || this.snap.status !== "ready") throw new SealedError(SealedErrorCode.SEALED_LOCKED, `sealed state is ${this.snap.status} on this device`);
    const envelope = await sealValue(this.me.keys, this.me.id, name, value, current);
    try {
      return await this.client.send("SEALED_UPDATE", { name, envelope } satisfies SealedUpdateData, options);
    } catch (err) {
      // A removal rotated the key while this was on its way: seal again once under the new epoch.
      if ((err as { code?: string }).code !== ErrorCode.STALE_EPOCH || retried) throw err;
      await waitForEpochAbove(this, current.epoch);
      return this.seal(name, value, options, true);
    }
  }

  /** The verified, decrypted value of `sealed.<name>`, or undefined when there is none. Throws SealedError when it fails verification. */
  async get(name: string): Promise<SealedValue | undefined> {
    await this.work;
    const key = `${SEALED_PREFIX}${name}`;
    const snap = this.client.getSnapshot();
    const raw = (snap.state as Record<string, unknown>)[key];
    if (raw === undefined) return undefined;
    const result = await this.values.open(name, raw, snap.versions[key] ?? 0, this.opener());
    if (result instanceof SealedError) throw result;
    return result;
  }

  /** Starts the user's directory with this device (only when there is none): epoch 1, its key granted to itself. */
  async setup(): Promise<void> {
    await this.work;
    if (!this.me) throw new SealedError(SealedErrorCode.SEALED_LOCKED, "not connected yet");
    if (this.snap.status !== "none") throw new SealedError(SealedErrorCode.DIRECTORY_TAMPERED, `the user has a directory already (${this.snap.status})`);
    const k = epochKeys(1, randomBytes(32));
    const device = this.myDevice();
    const link = await signLink(this.me.keys, { v: 1, seq: 1, prev: "", op: "add", device, epoch: 1, sealPub: b64url(k.sealPub), signer: this.me.id, at: Date.now() });
    const grant = await makeGrant(this.me.keys, this.me.id, device, k);
    await this.client.send("KEYRING_UPDATE", { link, grants: [grant] }, { baseVersion: 0 });
    await this.settled();
  }

  /** New device: asks to be approved. Show `snapshot.pairings[0].code` when it appears and call `confirmPairing`. */
  async requestApproval(): Promise<void> {
    await this.work;
    if (!this.me) throw new SealedError(SealedErrorCode.SEALED_LOCKED, "not connected yet");
    await this.approvals.request();
  }

  /** New device: the user compared the two codes (`true`: they match). */
  confirmPairing(match: boolean): Promise<void> {
    return this.approvals.confirm(match);
  }

  /** Approved device: starts approving `deviceId` (from `snapshot.requests`); the code follows. */
  beginApproval(deviceId: string): Promise<void> {
    return this.approvals.begin(deviceId);
  }

  /** Approved device: the codes matched; adds the device and grants it the key. */
  approve(deviceId: string): Promise<void> {
    return this.approvals.approve(deviceId);
  }

  declinePairing(deviceId: string): Promise<void> {
    return this.approvals.decline(deviceId);
  }

  /**
   * Removes a device and rotates the content key in one write: a signed remove link opening the
   * next epoch, the old key wrapped under the new one, the new key granted to every other device.
   * The removed device can read nothing sealed after this.
   */
  async removeDevice(deviceId: string): Promise<void> {
    await this.work;
    const dir = this.dir;
    const current = dir && this.keys.get(dir.epoch);
    if (!this.me || !dir || !current || this.snap.status !== "ready") throw new SealedError(SealedErrorCode.SEALED_LOCKED, `sealed state is ${this.snap.status} on this device`);
    if (!dir.members.has(deviceId) || deviceId === this.me.id) throw new SealedError(SealedErrorCode.DIRECTORY_TAMPERED, `${deviceId} is not another device of the directory`);
    const next = epochKeys(dir.epoch + 1, randomBytes(32));
    const link = await signLink(this.me.keys, {
      v: 1, seq: dir.head.seq + 1, prev: dir.head.hash, op: "remove", removed: deviceId, epoch: next.epoch, sealPub: b64url(next.sealPub),
      keyWrap: wrapPrevious(next, current), signer: this.me.id, at: Date.now(),
    });
    const grants: KeyGrant[] = [];
    for (const d of dir.members.values()) if (d.deviceId !== deviceId) grants.push(await makeGrant(this.me.keys, this.me.id, d, next));
    await this.client.send("KEYRING_UPDATE", { link, grants, drop: [deviceId] }, { baseVersion: this.client.getSnapshot().versions[KEYRING_KEY] ?? 0 });
    await this.settled();
  }

  /**
   * Forgets this device's sealed identity: its keys, the pinned directory and any trust in an
   * approver. For a device that was removed, or that refuses a directory it cannot trust any more
   * (after the user's data was erased, say), so that it can be set up or approved again.
   */
  async forget(): Promise<void> {
    await this.work;
    if (!this.me) return;
    await this.keyStore?.remove(`${this.me.userId}/${this.me.id}`);
    await this.storage.removeItem(this.storageKey());
    this.me = null;
    this.snap = { ...this.snap, status: "waiting", epoch: 0, members: [], error: null };
    this.refresh(null);
    await this.settled();
  }

  /** Stops following the client. */
  dispose(): void {
    for (const u of this.unsubscribe) u();
  }

  // ------------------------------------------------------------------ internals

  private refresh(keys: readonly string[] | null): void {
    this.work = this.work.then(() => this.update(keys)).catch((err) => {
      this.publish({ error: { code: err instanceof SealedError ? err.code : "INTERNAL", message: String(err instanceof Error ? err.message : err) } });
    });
  }

  private myDevice(): DirectoryDevice {
    const { id, keys } = this.me!;
    return { deviceId: id, ...(this.options.deviceName !== undefined ? { name: this.options.deviceName } : {}), x25519: b64url(keys.x25519), ed25519: b64url(keys.ed25519) };
  }

  private async identify(): Promise<boolean> {
    const { userId, deviceId } = this.client.getSnapshot();
    if (!userId || !deviceId) return false;
    if (this.me?.id === deviceId && this.me.userId === userId) return true;
    this.keyStore ??= await defaultKeyStore(this.storage);
    const name = `${userId}/${deviceId}`;
    const keys = (await this.keyStore.load(name)) ?? (await this.keyStore.create(name));
    this.me = { id: deviceId, userId, keys };
    const saved = await this.storage.getItem(this.storageKey());
    const parsed = saved ? (JSON.parse(saved) as { pin?: Pin; approvedBy?: { deviceId: string; ed25519: string } }) : {};
    this.pin = parsed.pin ?? null;
    this.approvedBy = parsed.approvedBy ?? null;
    this.dir = null;
    this.keys = new Map();
    this.values.clear();
    return true;
  }

  private storageKey(): string {
    return `${this.prefix}${this.me!.userId}/${this.me!.id}`;
  }

  private async save(): Promise<void> {
    await this.storage.setItem(this.storageKey(), JSON.stringify({ pin: this.pin, approvedBy: this.approvedBy }));
  }

  private async update(keys: readonly string[] | null): Promise<void> {
    if (!(await this.identify())) return;
    const touched = (prefix: string) => keys === null || keys.some((k) => k.startsWith(prefix));
    const wasReady = this.snap.status === "ready";
    if (touched(KEYRING_KEY)) await this.updateDirectory();
    if (touched("pairing.") || touched(KEYRING_KEY)) await this.approvals.update();
    this.publish({});
    if (this.snap.status !== "ready") return;
    const state = this.client.getSnapshot().state as Record<string, unknown>;
    const names = Object.keys(state).filter((k) => k.startsWith(SEALED_PREFIX) && (!wasReady || keys === null || keys.includes(k) || touched(KEYRING_KEY)));
    for (const key of names) await this.emitSealed(key.slice(SEALED_PREFIX.length));
  }

  /** Verifies the keyring against the pin and opens this device's keys. A failure changes nothing but the status. */
  private async updateDirectory(): Promise<void> {
    const snap = this.client.getSnapshot();
    if (!snap.synced && this.snap.status === "waiting") return;
    const raw = (snap.state as Record<string, unknown>)[KEYRING_KEY];
    if (raw === undefined) return this.publish(this.pin ? { status: "tampered", error: { code: SealedErrorCode.DIRECTORY_TAMPERED, message: "the directory this device pinned is gone" } } : { status: "none", error: null });
    const ring = Keyring.safeParse(raw);
    const checked = ring.success ? verifyDirectory(ring.data.links, this.pin) : { ok: false as const, code: SealedErrorCode.DIRECTORY_TAMPERED, message: "the keyring is not well-formed" };
    if (!checked.ok) return this.publish({ status: "tampered", error: { code: checked.code, message: checked.message } });
    const dir = checked.dir;
    const me = this.me!;
    if (!this.pin && !this.trusts(dir)) {
      return this.publish({ status: "unapproved", epoch: dir.epoch, members: [...dir.members.values()], error: null });
    }
    this.pin = dir.head;
    this.dir = dir;
    await this.save();
    if (!dir.members.has(me.id)) {
      this.keys = new Map();
      return this.publish({ status: "removed", epoch: dir.epoch, members: [...dir.members.values()], error: null });
    }
    const entry = dir.members.get(me.id)!;
    if (!equalBytes(fromB64url(entry.ed25519), me.keys.ed25519) || !equalBytes(fromB64url(entry.x25519), me.keys.x25519)) {
      return this.publish({ status: "tampered", error: { code: SealedErrorCode.DIRECTORY_TAMPERED, message: `the directory lists other keys for ${me.id}` } });
    }
    try {
      this.keys = await openKeys(me.keys, me.id, ring.data!.grants.find((g) => g.deviceId === me.id), dir);
      this.publish({ status: "ready", epoch: dir.epoch, members: [...dir.members.values()], error: null });
    } catch (err) {
      if (!(err instanceof SealedError)) throw err;
      this.publish({ status: err.code === SealedErrorCode.SEALED_LOCKED ? "locked" : "tampered", epoch: dir.epoch, members: [...dir.members.values()], error: err.code === SealedErrorCode.SEALED_LOCKED ? null : { code: err.code, message: err.message } });
    }
  }

  /**
   * A device with no pin trusts a directory it started itself (link 1 adds its own keys), or one in
   * which the approver whose code the user confirmed added this device's keys.
   */
  private trusts(dir: VerifiedDirectory): boolean {
    const mine = this.myDevice();
    const same = (d: DirectoryDevice | undefined) => d !== undefined && d.deviceId === mine.deviceId && d.x25519 === mine.x25519 && d.ed25519 === mine.ed25519;
    if (same(dir.links[0]!.device) && dir.links[0]!.signer === mine.deviceId) return true;
    const by = this.approvedBy;
    if (!by) return false;
    return dir.links.some((l) => l.op === "add" && same(l.device) && l.signer === by.deviceId && dir.history.get(by.deviceId)?.device.ed25519 === by.ed25519);
  }

  private opener(): Opener {
    return this.dir ? { dir: this.dir, keys: this.keys } : { dir: null, reason: `sealed state is ${this.snap.status} on this device` };
  }

  private async emitSealed(name: string): Promise<void> {
    const key = `${SEALED_PREFIX}${name}`;
    const snap = this.client.getSnapshot();
    const raw = (snap.state as Record<string, unknown>)[key];
    if (raw !== undefined) await this.values.emit(name, raw, snap.versions[key] ?? 0, this.opener());
  }

  private publish(patch: Partial<SealedSnapshot>): void {
    this.snap = {
      ...this.snap, ...patch,
      keyKind: this.keyStore?.kind ?? null,
      pairings: this.approvals.pairings,
      requests: this.snap.status === "ready" || patch.status === "ready" ? this.approvals.requests(this.dir?.members ?? null) : [],
    };
    for (const l of this.listeners) l();
  }
}
