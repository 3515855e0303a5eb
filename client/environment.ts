interface EventSource {
  addEventListener?: (type: string, handler: () => void) => void;
  removeEventListener?: (type: string, handler: () => void) => void;
}

/**
 * Calls `onWake` when the runtime says the network is back (`online` on the global scope) or the
 * page became visible, and `onOffline` when it says the network is gone (`offline`). Browsers have
 * these; React Native and Node do not (the app calls `reconnect()` from NetInfo / AppState
 * instead). Returns the function that stops listening.
 */
export function watchWakeUps(onWake: () => void, onOffline: () => void = () => {}): () => void {
  const g = globalThis as EventSource & { document?: EventSource & { visibilityState?: string } };
  const stops: (() => void)[] = [];
  const listen = (target: EventSource | undefined, type: string, handler: () => void) => {
    if (!target || typeof target.addEventListener !== "function" || typeof target.removeEventListener !== "function") return;
    target.addEventListener(type, handler);
    const remove = target.removeEventListener.bind(target);
    stops.push(() => remove(type, handler));
  };
  listen(g, "online", onWake);
  listen(g, "offline", onOffline);
  listen(g.document, "visibilitychange", () => {
    if (g.document?.visibilityState === "visible") onWake();
  });
  return () => {
    for (const stop of stops.splice(0)) stop();
  };
}
