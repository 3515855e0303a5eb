/**
 * A small async key-value store: what the client persists (deviceId, seq cursor, outbox) lives here.
 * Shaped like React Native's AsyncStorage, so `AsyncStorage` itself can be passed as is.
 */
export interface NerveStorage {
  getItem(key: string): Promise<string | null> | string | null;
  setItem(key: string, value: string): Promise<void> | void;
  removeItem(key: string): Promise<void> | void;
}

/**
 * A store in memory: nothing survives the process. The default outside browsers.
 * @example createNerveClient({ url, getToken, storage: memoryStorage() })
 */
export function memoryStorage(): NerveStorage {
  const data = new Map<string, string>();
  return {
    getItem: (key) => data.get(key) ?? null,
    setItem: (key, value) => {
      data.set(key, value);
    },
    removeItem: (key) => {
      data.delete(key);
    },
  };
}

interface WebStorageLike {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/**
 * A store over a Web Storage object (`localStorage`). Quota and privacy-mode failures are
 * swallowed: losing the cursor costs a full resync, never correctness.
 */
export function webStorage(target: WebStorageLike): NerveStorage {
  return {
    getItem: (key) => {
      try {
        return target.getItem(key);
      } catch {
        return null;
      }
    },
    setItem: (key, value) => {
      try {
        target.setItem(key, value);
      } catch {
        // quota exceeded or storage disabled: keep running on memory
      }
    },
    removeItem: (key) => {
      try {
        target.removeItem(key);
      } catch {
        // storage disabled
      }
    },
  };
}

/** `localStorage` when the runtime has a usable one (browsers), otherwise memory. */
export function defaultStorage(): NerveStorage {
  const ls = (globalThis as { localStorage?: WebStorageLike }).localStorage;
  try {
    if (ls && typeof ls.getItem === "function") {
      ls.getItem("nerve:probe");
      return webStorage(ls);
    }
  } catch {
    // access denied (sandboxed iframe, some privacy modes)
  }
  return memoryStorage();
}
