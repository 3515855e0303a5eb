/** A typed event emitter. A throwing listener is reported and does not stop the others. */
export class Emitter<M extends object> {
  private readonly listeners = new Map<keyof M, Set<(value: never) => void>>();

  constructor(private readonly onListenerError: (err: unknown, type: keyof M) => void) {}

  on<K extends keyof M>(type: K, handler: (value: M[K]) => void): () => void {
    let set = this.listeners.get(type);
    if (!set) {
      set = new Set();
      this.listeners.set(type, set);
    }
    set.add(handler as (value: never) => void);
    return () => {
      set.delete(handler as (value: never) => void);
    };
  }

  emit<K extends keyof M>(type: K, value: M[K]): void {
    const set = this.listeners.get(type);
    if (!set) return;
    for (const handler of [...set]) {
      try {
        (handler as (value: M[K]) => void)(value);
      } catch (err) {
        this.onListenerError(err, type);
      }
    }
  }

  /** How many listeners a type has (a conflict nobody listens to gets the default policy). */
  count<K extends keyof M>(type: K): number {
    return this.listeners.get(type)?.size ?? 0;
  }

  clear(): void {
    this.listeners.clear();
  }
}
