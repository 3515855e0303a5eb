import { useEffect, useState } from "react";
import { local } from "./safe-storage.js";

/** The current time, ticking every `intervalMs` while mounted (for countdowns and "5 s ago"). */
export function useNow(intervalMs = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(t);
  }, [intervalMs]);
  return now;
}

/** A value kept in localStorage under `key` (for UI preferences only). */
export function useStoredState<T extends string>(key: string, initial: T, allowed: readonly T[]): [T, (v: T) => void] {
  const [value, setValue] = useState<T>(() => {
    const raw = local.getItem(key);
    return raw !== null && (allowed as readonly string[]).includes(raw) ? (raw as T) : initial;
  });
  const set = (v: T) => {
    local.setItem(key, v);
    setValue(v);
  };
  return [value, set];
}
