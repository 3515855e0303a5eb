import { beforeAll, describe, expect, it } from "vitest";
import { memoryStorage } from "../../client/index.js";
import { b64url } from "../../client/sealed/bytes.js";
import { bytesKeyStore, type DeviceKeys } from "../../client/sealed/device-keys.js";
import { signLink, verifyDirectory, type LinkBody } from "../../client/sealed/directory.js";
import { openValue, sealForEpoch, sealValue } from "../../client/sealed/envelopes.js";
import { makeGrant, openKeys, wrapPrevious } from "../../client/sealed/grants.js";
import { commitOf, pairingCode } from "../../client/sealed/pairing-code.js";
import { epochKeys, randomBytes, type EpochKeys } from "../../client/sealed/primitives.js";
import { checkSealedWrite } from "../../durable-objects/hub/sealed-writes.js";
import { MAX_SEALED_CIPHERTEXT, SealedUpdateData, type DirectoryDevice, type DirectoryLink, type Keyring } from "../../protocol/index.js";

const store = bytesKeyStore(memoryStorage());
const device = (id: string, k: DeviceKeys): DirectoryDevice => ({ deviceId: id, x25519: b64url(k.x25519), ed25519: b64url(k.ed25519) });
const code = (p: Promise<unknown>) => p.then(() => "opened", (e: { code?: string }) => e.code);

let phone: DeviceKeys;
let laptop: DeviceKeys;
let mallory: DeviceKeys;
let k1: EpochKeys;
let k2: EpochKeys;
/** genesis (phone), add laptop, remove laptop (epoch 2) */
let links: DirectoryLink[];

async function link(signer: DeviceKeys, body: Omit<LinkBody, "v" | "seq" | "prev" | "at">, after: DirectoryLink[]): Promise<DirectoryLink> {
  const head = verifyDirectory(after, null);
  return signLink(signer, { v: 1, seq: after.length + 1, prev: after.length && head.ok ? head.dir.head.hash : "", at: 1, ...body });
}

beforeAll(async () => {
  [phone, laptop, mallory] = await Promise.all(["p", "l", "m"].map((n) => store.create(n)));
  k1 = epochKeys(1, randomBytes(32));
  k2 = epochKeys(2, randomBytes(32));
  const l1 = await link(phone, { op: "add", device: device("phone", phone), epoch: 1, sealPub: b64url(k1.sealPub), signer: "phone" }, []);
  const l2 = await link(phone, { op: "add", device: device("laptop", laptop), epoch: 1, sealPub: b64url(k1.sealPub), signer: "phone" }, [l1]);
  const l3 = await link(phone, { op: "remove", removed: "laptop", epoch: 2, sealPub: b64url(k2.sealPub), keyWrap: wrapPrevious(k2, k1), signer: "phone" }, [l1, l2]);
  links = [l1, l2, l3];
});

describe("sealed: the directory chain", () => {
  it("verifies a well-formed chain and folds it", () => {
    const r = verifyDirectory(links, null);
    expect(r.ok && [r.dir.epoch, [...r.dir.members.keys()], r.dir.history.get("laptop")]).toEqual([2, ["phone"], { device: device("laptop", laptop), since: 1, until: 2 }]);
  });

  it("refuses a link signed with another key, a broken prev, a rollback and a fork", async () => {
    const forged = await link(mallory, { op: "add", device: device("mallory", mallory), epoch: 2, sealPub: links[2]!.sealPub, signer: "phone" }, links);
    expect(verifyDirectory([...links, forged], null)).toMatchObject({ ok: false, code: "DIRECTORY_TAMPERED", message: "link 4 is not signed by phone" });
    expect(verifyDirectory([links[0]!, { ...links[1]!, prev: links[2]!.prev }], null)).toMatchObject({ ok: false, message: "link 2 does not follow link 1" });
    const head = (verifyDirectory(links, null) as { dir: { head: { seq: number; hash: string } } }).dir.head;
    expect(verifyDirectory(links.slice(0, 2), head)).toMatchObject({ ok: false, message: expect.stringContaining("rolled back") });
    // A fork: another third link (the laptop stays) signed by a real member, but not the one this device saw.
    const other = await link(phone, { op: "add", device: device("mallory", mallory), epoch: 1, sealPub: links[1]!.sealPub, signer: "phone" }, links.slice(0, 2));
    expect(verifyDirectory([...links.slice(0, 2), other], head)).toMatchObject({ ok: false, message: expect.stringContaining("a fork") });
    expect(verifyDirectory([...links.slice(0, 2), other], null).ok).toBe(true);
  });

  it("refuses a link by a removed device", async () => {
    const late = await link(laptop, { op: "add", device: device("mallory", mallory), epoch: 2, sealPub: links[2]!.sealPub, signer: "laptop" }, links);
    expect(verifyDirectory([...links, late], null)).toMatchObject({ ok: false, message: "link 4: laptop is not a member" });
  });
});

describe("sealed: grants and values", () => {
  it("opens a grant and, through the key wrap, every older epoch's key", async () => {
    const dir = (verifyDirectory(links, null) as { ok: true; dir: Parameters<typeof openKeys>[3] }).dir;
    const keys = await openKeys(phone, "phone", await makeGrant(phone, "phone", device("phone", phone), k2), dir);
    expect([...keys.keys()].sort()).toEqual([1, 2]);
    expect(keys.get(1)!.content).toEqual(k1.content);
  });

  it("refuses a grant of a key the directory does not name, and one signed by a non-member", async () => {
    const dir = (verifyDirectory(links, null) as { ok: true; dir: Parameters<typeof openKeys>[3] }).dir;
    const madeUp = epochKeys(2, randomBytes(32));
    expect(await code(openKeys(phone, "phone", await makeGrant(phone, "phone", device("phone", phone), madeUp), dir))).toBe("GRANT_TAMPERED");
    expect(await code(openKeys(phone, "phone", await makeGrant(laptop, "laptop", device("phone", phone), k2), dir))).toBe("GRANT_TAMPERED");
    expect(await code(openKeys(phone, "phone", undefined, dir))).toBe("SEALED_LOCKED");
  });

  it("refuses values that were altered, moved to another name, re-attributed or sent by a stranger", async () => {
    const dir = (verifyDirectory(links, null) as { ok: true; dir: Parameters<typeof openValue>[2] }).dir;
    const keys = new Map([[1, k1], [2, k2]]);
    const env = await sealValue(phone, "phone", "journal", { text: "x" }, k2);
    expect((await openValue("journal", env, dir, keys)).value).toEqual({ text: "x" });
    expect(await code(openValue("diary", env, dir, keys))).toBe("SEALED_TAMPERED");
    expect(await code(openValue("journal", { ...env, ct: (env.ct[0] === "A" ? "B" : "A") + env.ct.slice(1) }, dir, keys))).toBe("SEALED_TAMPERED");
    expect(await code(openValue("journal", { ...env, ts: env.ts + 1 }, dir, keys))).toBe("SEALED_TAMPERED");
    expect(await code(openValue("journal", { ...env, from: "mallory" }, dir, keys))).toBe("SEALED_UNKNOWN_SENDER");
    expect(await code(openValue("journal", { ...env, epoch: 9 }, dir, keys))).toBe("SEALED_TAMPERED");
    expect(await code(openValue("journal", { nonsense: true }, dir, keys))).toBe("SEALED_TAMPERED");
    // The removed laptop's value of epoch 1 still verifies; one it claims in epoch 2 does not.
    const old = await sealValue(laptop, "laptop", "old", 1, k1);
    expect((await openValue("old", old, dir, keys)).from).toBe("laptop");
    expect(await code(openValue("new", await sealValue(laptop, "laptop", "new", 1, k2), dir, keys))).toBe("SEALED_UNKNOWN_SENDER");
    const boxed = sealForEpoch("svc", "insight", { n: 1 }, 2, b64url(k2.sealPub));
    expect(await openValue("insight", boxed, dir, keys)).toMatchObject({ value: { n: 1 }, origin: "service", from: "svc" });
    expect(await code(openValue("insight", { ...boxed, from: "other" }, dir, keys))).toBe("SEALED_TAMPERED");
  });

  it("bounds a sealed value: 16 KiB of ciphertext on the wire, and the SDK refuses to seal more", async () => {
    const env = await sealValue(phone, "phone", "n", "x", k2);
    const bytes = (n: number) => "A".repeat(Math.ceil((n * 4) / 3));
    expect(SealedUpdateData.safeParse({ name: "n", envelope: { ...env, ct: bytes(MAX_SEALED_CIPHERTEXT) } }).success).toBe(true);
    expect(SealedUpdateData.safeParse({ name: "n", envelope: { ...env, ct: bytes(MAX_SEALED_CIPHERTEXT + 3) } }).success).toBe(false);
    expect(SealedUpdateData.safeParse({ name: "no/slash", envelope: env }).success).toBe(false);
    expect(SealedUpdateData.safeParse({ name: "n", envelope: { ...env, sig: env.sig.slice(1) } }).success).toBe(false);
    await expect(sealValue(phone, "phone", "n", "x".repeat(MAX_SEALED_CIPHERTEXT), k2)).rejects.toMatchObject({ code: "TOO_LARGE" });
  });

  it("pads plaintext to 64 bytes so that sizes say less", async () => {
    const a = await sealValue(phone, "phone", "n", "a", k2);
    const b = await sealValue(phone, "phone", "n", "a much longer value, still short", k2);
    expect(a.ct.length).toBe(b.ct.length);
  });

  it("makes the same six digits from the same inputs, and others from any change", () => {
    const r = randomBytes(32);
    const dev = device("new", laptop);
    const c = pairingCode(dev, dev.ed25519, b64url(randomBytes(32)), b64url(r));
    expect(c).toMatch(/^\d{6}$/);
    expect(commitOf(r)).not.toBe(commitOf(randomBytes(32)));
  });
});

describe("sealed: what the hub checks without keys", () => {
  const hub = (keyring: Keyring | undefined, pairing?: unknown) => ({
    get: (key: string) => (key === "keyring" ? (keyring && { value: keyring, version: 1 }) : pairing !== undefined ? { value: pairing, version: 2 } : undefined),
  }) as Parameters<typeof checkSealedWrite>[2];

  it("lets only members write the directory, each signing as itself", async () => {
    const ring: Keyring = { links: links.slice(0, 2), grants: [] };
    const third = links[2]!;
    expect(checkSealedWrite({ type: "KEYRING_UPDATE", data: { link: third, grants: [] } }, "phone", hub(ring))).toBeNull();
    expect(checkSealedWrite({ type: "KEYRING_UPDATE", data: { link: third, grants: [] } }, "laptop", hub(ring))).toMatchObject({ code: "FORBIDDEN" });
    const byStranger = { ...third, signer: "mallory" };
    expect(checkSealedWrite({ type: "KEYRING_UPDATE", data: { link: byStranger, grants: [] } }, "mallory", hub(ring))).toMatchObject({ code: "FORBIDDEN" });
    expect(checkSealedWrite({ type: "KEYRING_UPDATE", data: { link: links[1]!, grants: [] } }, "phone", hub(ring))).toMatchObject({ code: "INVALID_MESSAGE" });
  });

  it("refuses values from non-members, in another's name, or under a stale epoch", async () => {
    const ring: Keyring = { links, grants: [] };
    const env = await sealValue(phone, "phone", "j", 1, k2);
    expect(checkSealedWrite({ type: "SEALED_UPDATE", data: { name: "j", envelope: env } }, "phone", hub(ring))).toBeNull();
    expect(checkSealedWrite({ type: "SEALED_UPDATE", data: { name: "j", envelope: env } }, "laptop", hub(ring))).toMatchObject({ code: "FORBIDDEN" });
    const laptops = await sealValue(laptop, "laptop", "j", 1, k2);
    expect(checkSealedWrite({ type: "SEALED_UPDATE", data: { name: "j", envelope: laptops } }, "laptop", hub(ring))).toMatchObject({ code: "FORBIDDEN" });
    expect(checkSealedWrite({ type: "SEALED_UPDATE", data: { name: "j", envelope: await sealValue(phone, "phone", "j", 1, k1) } }, "phone", hub(ring))).toMatchObject({ code: "STALE_EPOCH" });
    expect(checkSealedWrite({ type: "SEALED_UPDATE", data: { name: "j", envelope: env } }, "phone", hub(undefined))).toMatchObject({ code: "NOT_FOUND" });
  });

  it("lets a device request only its own pairing, and only members challenge", () => {
    const request = { step: "request" as const, deviceId: "tablet", x25519: links[0]!.sealPub, ed25519: links[0]!.sealPub, commit: links[0]!.sealPub };
    const ring: Keyring = { links, grants: [] };
    expect(checkSealedWrite({ type: "PAIRING_UPDATE", data: request }, "tablet", hub(ring))).toBeNull();
    expect(checkSealedWrite({ type: "PAIRING_UPDATE", data: request }, "phone", hub(ring))).toMatchObject({ code: "FORBIDDEN" });
    const open = { deviceId: "tablet", request: { x25519: request.x25519, ed25519: request.ed25519, commit: request.commit } };
    const challenge = (by: string) => ({ step: "challenge" as const, deviceId: "tablet", by, nonce: request.commit });
    expect(checkSealedWrite({ type: "PAIRING_UPDATE", data: challenge("phone") }, "phone", hub(ring, open))).toBeNull();
    expect(checkSealedWrite({ type: "PAIRING_UPDATE", data: challenge("laptop") }, "laptop", hub(ring, open))).toMatchObject({ code: "FORBIDDEN" });
    expect(checkSealedWrite({ type: "PAIRING_UPDATE", data: challenge("phone") }, "phone", hub(ring))).toMatchObject({ code: "NOT_FOUND" });
    expect(checkSealedWrite({ type: "PAIRING_UPDATE", data: { step: "reveal", deviceId: "tablet", nonce: request.commit } }, "tablet", hub(ring, open))).toMatchObject({ code: "NOT_FOUND" });
  });
});
