import { createContext, useContext, useEffect, useState, useSyncExternalStore, type ReactNode } from "react";
import { webStorage } from "../../../client/index.js";
import { useNerveClient } from "../../../client/react.js";
import { SealedClient, type SealedSnapshot } from "../../../client/sealed/index.js";

const SealedContext = createContext<SealedClient | null>(null);

/**
 * This window's sealed state (end-to-end encryption), over the session's client: device keys as
 * non-extractable WebCrypto keys in IndexedDB where the browser has them, the pinned directory in
 * localStorage (a window is a device: its own prefix).
 */
export function SealedProvider({ deviceName, children }: { deviceName?: string; children: ReactNode }) {
  const client = useNerveClient();
  const [sealed, setSealed] = useState<SealedClient | null>(null);
  useEffect(() => {
    const s = new SealedClient(client, { storage: webStorage(localStorage), ...(deviceName !== undefined ? { deviceName } : {}) });
    setSealed(s);
    return () => s.dispose();
  }, [client, deviceName]);
  return <SealedContext.Provider value={sealed}>{children}</SealedContext.Provider>;
}

export function useSealed(): SealedClient | null {
  return useContext(SealedContext);
}

const WAITING: SealedSnapshot = { status: "waiting", keyKind: null, epoch: 0, members: [], pairings: [], requests: [], error: null };
const none = () => () => {};

/** The sealed snapshot, re-rendering on every change. */
export function useSealedSnapshot(): SealedSnapshot {
  const sealed = useSealed();
  return useSyncExternalStore(sealed ? (l) => sealed.subscribe(l) : none, () => sealed?.getSnapshot() ?? WAITING, () => WAITING);
}
