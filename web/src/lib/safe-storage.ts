/**
 * localStorage and sessionStorage, or an in-memory stand-in where the browser denies them (an
 * iframe in a host app with third-party storage blocked throws on the first read). The app then
 * still works for the page's life; it only forgets across reloads.
 */
function memoryStorage(): Storage {
  const map = new Map<string, string>();
  return {
    get length() {
      return map.size;
    },
    clear: () => map.clear(),
    getItem: (k) => map.get(k) ?? null,
    key: (i) => [...map.keys()][i] ?? null,
    removeItem: (k) => void map.delete(k),
    setItem: (k, v) => void map.set(k, String(v)),
  };
}

function usable(pick: () => Storage): Storage {
  try {
    const s = pick();
    const probe = "nerve-app.probe";
    s.setItem(probe, "1");
    s.removeItem(probe);
    return s;
  } catch {
    return memoryStorage();
  }
}

export const local: Storage = usable(() => window.localStorage);
export const session: Storage = usable(() => window.sessionStorage);
