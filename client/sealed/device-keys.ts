/**
 * A device's own key pairs (X25519 to receive content keys, Ed25519 to sign), made on the device
 * and never sent anywhere. Two keepers: non-extractable WebCrypto keys in IndexedDB (browsers with
 * both curves), and key bytes in the app's storage through @noble/curves (Node, React Native,
 * older browsers). docs/encryption.md section 1 says when each is used.
 */
import type { NerveStorage } from "../storage.js";
import { b64url, fromB64url } from "./bytes.js";
import { ed25519Generate, ed25519Sign, x25519Generate, x25519PublicOf, x25519Shared } from "./primitives.js";
import { ed25519 } from "@noble/curves/ed25519.js";

/** What the rest of the SDK may do with a device's keys: read the public halves, sign, agree. */
export interface DeviceKeys {
  kind: "webcrypto" | "bytes";
  x25519: Uint8Array;
  ed25519: Uint8Array;
  sign(message: Uint8Array): Promise<Uint8Array>;
  /** X25519 with a peer's public key: the raw shared secret. */
  ecdh(peer: Uint8Array): Promise<Uint8Array>;
}

/** Where one device's keys are kept, under a name (user and device). */
export interface DeviceKeyStore {
  kind: DeviceKeys["kind"];
  load(name: string): Promise<DeviceKeys | null>;
  create(name: string): Promise<DeviceKeys>;
  remove(name: string): Promise<void>;
}

/**
 * Keys as bytes in a NerveStorage (a Keychain/Keystore-backed one on React Native). The fallback
 * where WebCrypto lacks X25519 or Ed25519; anyone who can read the storage can read the keys.
 */
export function bytesKeyStore(storage: NerveStorage, prefix = "nerve:sealed-keys:"): DeviceKeyStore {
  const wrap = (x: Uint8Array, e: Uint8Array): DeviceKeys => ({
    kind: "bytes",
    x25519: x25519PublicOf(x),
    ed25519: ed25519.getPublicKey(e),
    sign: async (m) => ed25519Sign(m, e),
    ecdh: async (peer) => x25519Shared(x, peer),
  });
  return {
    kind: "bytes",
    async load(name) {
      const raw = await storage.getItem(prefix + name);
      if (!raw) return null;
      try {
        const { x, e } = JSON.parse(raw) as { x: string; e: string };
        return wrap(fromB64url(x), fromB64url(e));
      } catch {
        return null;
      }
    },
    async create(name) {
      const x = x25519Generate().secret;
      const e = ed25519Generate().secret;
      await storage.setItem(prefix + name, JSON.stringify({ x: b64url(x), e: b64url(e) }));
      return wrap(x, e);
    },
    async remove(name) {
      await storage.removeItem(prefix + name);
    },
  };
}

interface StoredPairs {
  x: CryptoKeyPair;
  e: CryptoKeyPair;
}

const DB = "nerve-sealed";
const STORE = "device-keys";

// The few IndexedDB shapes used here: the SDK compiles without the DOM library (it runs in Node and React Native too).
interface IdbRequest<T> { result: T; error: unknown; onsuccess: (() => void) | null; onerror: (() => void) | null }
interface IdbStore { get(key: string): IdbRequest<unknown>; put(value: unknown, key: string): IdbRequest<unknown>; delete(key: string): IdbRequest<unknown> }
interface IdbDatabase {
  createObjectStore(name: string): unknown;
  transaction(name: string, mode: "readonly" | "readwrite"): { objectStore(name: string): IdbStore };
  close(): void;
}
interface IdbFactory { open(name: string, version: number): IdbRequest<IdbDatabase> & { onupgradeneeded: (() => void) | null } }
const indexedDBOf = (): IdbFactory | undefined => (globalThis as { indexedDB?: IdbFactory }).indexedDB;

const subtleOf = (): SubtleCrypto | undefined => (globalThis as { crypto?: { subtle?: SubtleCrypto } }).crypto?.subtle;

function idb<T>(run: (store: IdbStore) => IdbRequest<unknown>, mode: "readonly" | "readwrite"): Promise<T> {
  return new Promise((resolve, reject) => {
    const open = indexedDBOf()!.open(DB, 1);
    open.onupgradeneeded = () => open.result.createObjectStore(STORE);
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
      const db = open.result;
      const req = run(db.transaction(STORE, mode).objectStore(STORE));
      req.onsuccess = () => {
        resolve(req.result as T);
        db.close();
      };
      req.onerror = () => {
        reject(req.error);
        db.close();
      };
    };
  });
}

async function fromPairs(subtle: SubtleCrypto, pairs: StoredPairs): Promise<DeviceKeys> {
  const x25519 = new Uint8Array((await subtle.exportKey("raw", pairs.x.publicKey)) as ArrayBuffer);
  const ed = new Uint8Array((await subtle.exportKey("raw", pairs.e.publicKey)) as ArrayBuffer);
  return {
    kind: "webcrypto",
    x25519,
    ed25519: ed,
    sign: async (m) => new Uint8Array(await subtle.sign({ name: "Ed25519" }, pairs.e.privateKey, m as BufferSource)),
    ecdh: async (peer) => {
      const pub = await subtle.importKey("raw", peer as BufferSource, { name: "X25519" }, true, []);
      return new Uint8Array(await subtle.deriveBits({ name: "X25519", public: pub } as unknown as Parameters<SubtleCrypto["deriveBits"]>[0], pairs.x.privateKey, 256));
    },
  };
}

/**
 * Non-extractable WebCrypto keys in IndexedDB: page script can use them, never read them.
 * Use `webCryptoSupported()` first; `defaultKeyStore` does.
 */
export function webCryptoKeyStore(subtle: SubtleCrypto = subtleOf()!): DeviceKeyStore {
  return {
    kind: "webcrypto",
    async load(name) {
      const pairs = await idb<StoredPairs | undefined>((s) => s.get(name), "readonly");
      return pairs ? fromPairs(subtle, pairs) : null;
    },
    async create(name) {
      const x = (await subtle.generateKey({ name: "X25519" }, false, ["deriveBits"])) as CryptoKeyPair;
      const e = (await subtle.generateKey({ name: "Ed25519" }, false, ["sign", "verify"])) as CryptoKeyPair;
      await idb((s) => s.put({ x, e } satisfies StoredPairs, name), "readwrite");
      return fromPairs(subtle, { x, e });
    },
    async remove(name) {
      await idb((s) => s.delete(name), "readwrite");
    },
  };
}

/** Whether this runtime has IndexedDB and WebCrypto X25519 and Ed25519 (probed by making a key of each). */
export async function webCryptoSupported(): Promise<boolean> {
  const subtle = subtleOf();
  if (!indexedDBOf() || !subtle) return false;
  try {
    await subtle.generateKey({ name: "X25519" }, false, ["deriveBits"]);
    await subtle.generateKey({ name: "Ed25519" }, false, ["sign", "verify"]);
    return true;
  } catch {
    return false;
  }
}

/** Non-extractable WebCrypto keys where the runtime has them; else key bytes in `storage`. */
export async function defaultKeyStore(storage: NerveStorage): Promise<DeviceKeyStore> {
  return (await webCryptoSupported()) ? webCryptoKeyStore() : bytesKeyStore(storage);
}
