import { useSyncExternalStore } from "react";
import { AlertIcon, CheckIcon, InfoIcon, XIcon } from "./icons.js";

export type ToastKind = "ok" | "info" | "warn" | "bad";
export interface Toast {
  id: number;
  kind: ToastKind;
  title: string;
  body?: string;
  testId?: string;
}

let toasts: Toast[] = [];
let nextId = 1;
const listeners = new Set<() => void>();
const emit = () => listeners.forEach((l) => l());
const MAX_TOASTS = 4;

export function dismissToast(id: number): void {
  toasts = toasts.filter((t) => t.id !== id);
  emit();
}

/** Shows a toast for `ttlMs` (announced politely to screen readers). */
export function toast(kind: ToastKind, title: string, body?: string, options: { ttlMs?: number; testId?: string } = {}): void {
  const t: Toast = { id: nextId++, kind, title, body, testId: options.testId };
  toasts = [...toasts, t].slice(-MAX_TOASTS);
  emit();
  setTimeout(() => dismissToast(t.id), options.ttlMs ?? 6000);
}

const subscribe = (l: () => void) => {
  listeners.add(l);
  return () => listeners.delete(l);
};

const ICONS = { ok: CheckIcon, info: InfoIcon, warn: AlertIcon, bad: AlertIcon };

export function Toasts() {
  const list = useSyncExternalStore(subscribe, () => toasts, () => toasts);
  return (
    <div className="toasts" role="status" aria-live="polite" aria-relevant="additions">
      {list.map((t) => {
        const Icon = ICONS[t.kind];
        return (
          <div key={t.id} className={`toast ${t.kind}`} data-testid={t.testId ?? "toast"}>
            <Icon className="icon" />
            <div>
              <strong>{t.title}</strong>
              {t.body && <p>{t.body}</p>}
            </div>
            <button type="button" className="ghost small" aria-label="Dismiss notification" onClick={() => dismissToast(t.id)}><XIcon width={14} height={14} /></button>
          </div>
        );
      })}
    </div>
  );
}
