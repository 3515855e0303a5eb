/**
 * Approving a new device with a short code compared on both screens (docs/encryption.md section 3),
 * from either side: the new device (request, reveal, confirm) and an approved one (challenge,
 * check the reveal, approve with a signed link and a grant).
 */
import {
  KEYRING_KEY, PAIRING_PREFIX, PairingStateSchema, SealedErrorCode,
  type DirectoryDevice, type KeyringUpdateData, type PairingState, type PairingUpdateData,
} from "../../protocol/index.js";
import { b64url, fromB64url } from "./bytes.js";
import type { DeviceKeys } from "./device-keys.js";
import { signLink, verifyDirectory, type VerifiedDirectory } from "./directory.js";
import { makeGrant } from "./grants.js";
import { commitOf, pairingCode } from "./pairing-code.js";
import { randomBytes, type EpochKeys } from "./primitives.js";
import { SealedError } from "./sealed-error.js";

/** What the approval flow needs from the sealed client. */
export interface ApprovalContext {
  me(): { id: string; keys: DeviceKeys; name?: string };
  state(): Readonly<Record<string, unknown>>;
  versions(): Readonly<Record<string, number>>;
  send(type: "PAIRING_UPDATE", data: PairingUpdateData): Promise<unknown>;
  send(type: "KEYRING_UPDATE", data: KeyringUpdateData, baseVersion: number): Promise<unknown>;
  /** The verified directory and the current epoch's keys (approved devices only). */
  verified(): { dir: VerifiedDirectory; keys: EpochKeys } | null;
  /** The new device's user said the codes match: accept the directory the approver signs. */
  trustApprover(approver: { deviceId: string; ed25519: string }): Promise<void>;
  changed(): void;
}

/** A pairing in progress, as the UI shows it. */
export interface PairingView {
  /** `new`: this device asks to join; `approver`: this device approves another. */
  role: "new" | "approver";
  deviceId: string;
  name?: string;
  /** The six digits to compare, once both random values are known. */
  code: string | null;
  /** On the new device: the device that challenged it, and its name in the directory. */
  approver?: string;
  approverName?: string;
  outcome?: "approved" | "declined" | "cancelled";
  error?: { code: string; message: string };
}

/** An open request of another device, waiting for someone to approve it. */
export interface PairingRequest {
  deviceId: string;
  name?: string;
}

const pairingOf = (state: Readonly<Record<string, unknown>>, deviceId: string): PairingState | null => {
  const parsed = PairingStateSchema.safeParse(state[`${PAIRING_PREFIX}${deviceId}`]);
  return parsed.success ? parsed.data : null;
};

export class Approvals {
  /** The new device's secret random value and its commitment, while its request is open. */
  private own: { secret: Uint8Array; commit: string; approver?: { deviceId: string; ed25519: string } } | null = null;
  /** Challenges this device sent, by the device they approve. */
  private readonly challenges = new Map<string, string>();
  /**
   * The request each code was computed from: approval adds exactly these keys, whatever the
   * pairing key says later (the server could swap it after the user compared the codes).
   */
  private readonly compared = new Map<string, PairingState["request"]>();
  private readonly views = new Map<string, PairingView>();

  constructor(private readonly ctx: ApprovalContext) {}

  get pairings(): PairingView[] {
    return [...this.views.values()];
  }

  /** Other devices' open requests (for an approved device's "approve a device" list). */
  requests(members: ReadonlyMap<string, DirectoryDevice> | null): PairingRequest[] {
    const out: PairingRequest[] = [];
    for (const [key, value] of Object.entries(this.ctx.state())) {
      if (!key.startsWith(PAIRING_PREFIX)) continue;
      const p = PairingStateSchema.safeParse(value);
      if (!p.success || p.data.closed || p.data.deviceId === this.ctx.me().id || members?.has(p.data.deviceId)) continue;
      out.push({ deviceId: p.data.deviceId, ...(p.data.request.name !== undefined ? { name: p.data.request.name } : {}) });
    }
    return out;
  }

  /** New device: publish the request (keys and commitment). The code appears once an approver answers. */
  async request(): Promise<void> {
    const { id, keys, name } = this.ctx.me();
    const secret = randomBytes(32);
    this.own = { secret, commit: commitOf(secret) };
    this.views.set(id, { role: "new", deviceId: id, code: null });
    this.ctx.changed();
    await this.ctx.send("PAIRING_UPDATE", {
      step: "request", deviceId: id, ...(name !== undefined ? { name } : {}), x25519: b64url(keys.x25519), ed25519: b64url(keys.ed25519), commit: this.own.commit,
    });
  }

  /** New device: the user compared the codes. `true` trusts the approver's signature on the directory. */
  async confirm(match: boolean): Promise<void> {
    const { id } = this.ctx.me();
    const approver = this.own?.approver;
    const view = this.views.get(id);
    if (!approver || !view?.code) throw new SealedError(SealedErrorCode.PAIRING_FAILED, "there is no code to confirm yet");
    if (!match) {
      this.own = null;
      this.views.set(id, { ...view, outcome: "declined" });
      this.ctx.changed();
      await this.ctx.send("PAIRING_UPDATE", { step: "close", deviceId: id, outcome: "declined" });
      return;
    }
    await this.ctx.trustApprover(approver);
  }

  /** Approved device: answer a request with a challenge. The code appears once the new device reveals. */
  async begin(deviceId: string): Promise<void> {
    const p = pairingOf(this.ctx.state(), deviceId);
    if (!p || p.closed) throw new SealedError(SealedErrorCode.PAIRING_FAILED, `${deviceId} has no open request`);
    const nonce = b64url(randomBytes(32));
    this.challenges.set(deviceId, nonce);
    this.compared.delete(deviceId);
    this.views.set(deviceId, { role: "approver", deviceId, ...(p.request.name !== undefined ? { name: p.request.name } : {}), code: null });
    this.ctx.changed();
    await this.ctx.send("PAIRING_UPDATE", { step: "challenge", deviceId, by: this.ctx.me().id, nonce });
  }

  /** Approved device: the codes matched. Adds the device to the directory and grants it the key, in one write. */
  async approve(deviceId: string): Promise<void> {
    const view = this.views.get(deviceId);
    const request = this.compared.get(deviceId);
    const v = this.ctx.verified();
    if (!view?.code || !request || view.role !== "approver") throw new SealedError(SealedErrorCode.PAIRING_FAILED, `no compared code for ${deviceId}`);
    if (!v) throw new SealedError(SealedErrorCode.SEALED_LOCKED, "this device is not approved itself");
    const { id, keys } = this.ctx.me();
    const device: DirectoryDevice = { deviceId, ...(request.name !== undefined ? { name: request.name } : {}), x25519: request.x25519, ed25519: request.ed25519 };
    const link = await signLink(keys, {
      v: 1, seq: v.dir.head.seq + 1, prev: v.dir.head.hash, op: "add", device, epoch: v.dir.epoch, sealPub: v.dir.sealPub, signer: id, at: Date.now(),
    });
    const grant = await makeGrant(keys, id, device, v.keys);
    await this.ctx.send("KEYRING_UPDATE", { link, grants: [grant] }, this.ctx.versions()[KEYRING_KEY] ?? 0);
    this.views.set(deviceId, { ...view, outcome: "approved" });
    this.challenges.delete(deviceId);
    this.compared.delete(deviceId);
    this.ctx.changed();
    await this.ctx.send("PAIRING_UPDATE", { step: "close", deviceId, outcome: "approved" });
  }

  async decline(deviceId: string): Promise<void> {
    const view = this.views.get(deviceId);
    if (view) this.views.set(deviceId, { ...view, outcome: "declined" });
    this.challenges.delete(deviceId);
    this.compared.delete(deviceId);
    this.ctx.changed();
    await this.ctx.send("PAIRING_UPDATE", { step: "close", deviceId, outcome: "declined" });
  }

  /** Follows the pairing keys: reveals on the new device, computes codes on both sides. */
  async update(): Promise<void> {
    const state = this.ctx.state();
    const { id, keys } = this.ctx.me();
    const mine = this.own ? pairingOf(state, id) : null;
    if (this.own && mine && mine.request.commit === this.own.commit) {
      const view = this.views.get(id)!;
      if (mine.closed && view.outcome === undefined) this.views.set(id, { ...view, outcome: mine.closed.outcome });
      if (mine.challenge && !mine.closed && !this.own.approver) {
        // The approver's signing key as the directory shows it; if the server changed either, the codes differ.
        const links = (state[KEYRING_KEY] as { links?: [] } | undefined)?.links ?? [];
        const dir = verifyDirectory(links, null);
        const approver = dir.ok ? dir.dir.members.get(mine.challenge.by) : undefined;
        if (!approver) {
          this.views.set(id, { ...view, error: { code: SealedErrorCode.PAIRING_FAILED, message: `${mine.challenge.by} is not in a valid directory` } });
        } else {
          const reveal = b64url(this.own.secret);
          this.own.approver = { deviceId: approver.deviceId, ed25519: approver.ed25519 };
          const code = pairingCode({ x25519: b64url(keys.x25519), ed25519: b64url(keys.ed25519) }, approver.ed25519, mine.challenge.nonce, reveal);
          this.views.set(id, { ...view, code, approver: approver.deviceId, ...(approver.name !== undefined ? { approverName: approver.name } : {}) });
          if (!mine.reveal) await this.ctx.send("PAIRING_UPDATE", { step: "reveal", deviceId: id, nonce: reveal });
        }
      }
    }
    for (const [deviceId, nonce] of this.challenges) {
      const p = pairingOf(state, deviceId);
      const view = this.views.get(deviceId)!;
      if (!p || p.challenge?.nonce !== nonce) continue;
      if (p.closed && view.outcome === undefined) this.views.set(deviceId, { ...view, outcome: p.closed.outcome });
      if (!p.reveal || view.code || view.error) continue;
      if (commitOf(fromB64url(p.reveal.nonce)) !== p.request.commit) {
        this.views.set(deviceId, { ...view, error: { code: SealedErrorCode.PAIRING_FAILED, message: "the reveal does not match the request's commitment" } });
        continue;
      }
      this.compared.set(deviceId, p.request);
      this.views.set(deviceId, { ...view, code: pairingCode(p.request, b64url(keys.ed25519), nonce, p.reveal.nonce) });
    }
  }
}

