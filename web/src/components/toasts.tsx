import { useState, useSyncExternalStore } from "react";
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
/** Kept at most; the stack shows one and folds the rest under "N more". */
const MAX_TOASTS = 6;

export function dismissToast(id: number): void {
  toasts = toasts.filter((t) => t.id !== id);
  emit();
}

function dismissAll(): void {
  toasts = [];
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

function ToastItem({ t }: { t: Toast }) {
  const Icon = ICONS[t.kind];
  return (
    <div className={`toast ${t.kind}`} data-testid={t.testId ?? "toast"}>
      <Icon className="icon" />
      <div className="grow">
        <strong>{t.title}</strong>
        {t.body && <p>{t.body}</p>}
      </div>
      <button type="button" className="ghost icon-button" aria-label={`Dismiss: ${t.title}`} onClick={() => dismissToast(t.id)}><XIcon width={16} height={16} /></button>
    </div>
  );
}

/**
 * One stack of notifications: the newest on top, the others folded under "N more" until opened,
 * so a burst never covers the page (four stacked toasts once covered 45% of a phone screen).
 */
export function Toasts() {
  const list = useSyncExternalStore(subscribe, () => toasts, () => toasts);
  const [open, setOpen] = useState(false);
  const newest = list.at(-1);
  const older = list.slice(0, -1).reverse();
  return (
    <div className={`toasts${open ? " open" : ""}`} role="status" aria-live="polite" aria-relevant="additions" data-testid="toast-stack" data-count={list.length}>
      {newest && <ToastItem key={newest.id} t={newest} />}
      {older.length > 0 && (
        <>
          {open && older.map((t) => <ToastItem key={t.id} t={t} />)}
          <div className="toast-more">
            <button type="button" className="small" aria-expanded={open} onClick={() => setOpen((o) => !o)} data-testid="toast-more">
              {open ? "Show fewer" : `${older.length} more`}
            </button>
            <button type="button" className="small ghost" onClick={() => { dismissAll(); setOpen(false); }}>Clear all</button>
          </div>
        </>
      )}
    </div>
  );
}
