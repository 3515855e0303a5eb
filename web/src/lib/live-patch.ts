import { useCallback, useEffect, useRef, useState } from "react";
import { NerveClientError } from "../../../client/index.js";
import { useNerveClient } from "../../../client/react.js";
import { toast } from "../components/toasts.js";
import { useConflicts } from "./nerve.js";

/**
 * Client messages share a budget of 100 a minute per user (all devices together). Dragging sends
 * at most one coalesced update per interval, so a long drag stays well inside it.
 */
export const SEND_INTERVAL_MS = 650;

type PatchType = "LIMBIC_UPDATE" | "CONVERGENCE_UPDATE";

/**
 * Live numeric fields synced while they change: local drafts show at once (the one being dragged
 * is never overwritten by a remote update), and changes go out coalesced and throttled.
 */
export function useLivePatch(type: PatchType, server: Record<string, number>) {
  const client = useNerveClient();
  // A field whose queued edit waits for "keep yours / take theirs" shows theirs (the server's) meanwhile.
  const { conflicts } = useConflicts();
  const key = type === "LIMBIC_UPDATE" ? "limbic" : "convergence";
  const held = new Set(conflicts.filter((c) => c.key === key).flatMap((c) => c.fields));
  const [drafts, setDrafts] = useState<Record<string, number>>({});
  const pending = useRef<Record<string, number>>({});
  const active = useRef<Set<string>>(new Set());
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const lastSent = useRef(0);

  const flush = useCallback(() => {
    timer.current = null;
    const patch = pending.current;
    if (Object.keys(patch).length === 0) return;
    pending.current = {};
    lastSent.current = Date.now();
    client.send(type, patch).then(
      () => {
        setDrafts((d) => {
          const next = { ...d };
          for (const [k, v] of Object.entries(patch)) if (!active.current.has(k) && next[k] === v && pending.current[k] === undefined) delete next[k];
          return next;
        });
      },
      (err: unknown) => {
        if (err instanceof NerveClientError && err.code === "RATE_LIMITED") {
          pending.current = { ...patch, ...pending.current };
          const wait = err.retryAfterMs ?? 2000;
          toast("warn", "Slowing down", `Too many changes a minute; the latest values go out in ${Math.ceil(wait / 1000)} s.`);
          timer.current = setTimeout(flush, wait);
          return;
        }
        setDrafts((d) => {
          const next = { ...d };
          for (const k of Object.keys(patch)) delete next[k];
          return next;
        });
        toast("bad", "Change not saved", err instanceof Error ? err.message : String(err));
      },
    );
  }, [client, type]);

  const set = useCallback((key: string, value: number) => {
    setDrafts((d) => ({ ...d, [key]: value }));
    pending.current = { ...pending.current, [key]: value };
    if (timer.current) return;
    const wait = Math.max(0, lastSent.current + SEND_INTERVAL_MS - Date.now());
    timer.current = setTimeout(flush, wait);
  }, [flush]);

  const begin = useCallback((key: string) => active.current.add(key), []);
  const end = useCallback((key: string) => {
    active.current.delete(key);
    // Once released and sent, the server value (same number) takes over.
    setDrafts((d) => {
      if (pending.current[key] !== undefined || d[key] === undefined || d[key] !== server[key]) return d;
      const next = { ...d };
      delete next[key];
      return next;
    });
  }, [server]);

  // A draft that the server now holds (and that is not being dragged) is dropped.
  useEffect(() => {
    setDrafts((d) => {
      let changed = false;
      const next = { ...d };
      for (const [k, v] of Object.entries(d)) {
        if (!active.current.has(k) && pending.current[k] === undefined && server[k] === v) {
          delete next[k];
          changed = true;
        }
      }
      return changed ? next : d;
    });
  }, [server]);

  useEffect(() => () => {
    if (timer.current) {
      clearTimeout(timer.current);
      flush();
    }
  }, [flush]);

  const value = (k: string) => (held.has(k) ? undefined : drafts[k]) ?? server[k] ?? 0;
  return { value, set, begin, end, isDraft: (k: string) => !held.has(k) && drafts[k] !== undefined };
}
