import { useSyncExternalStore } from "react";
import { useNerveEvent } from "../../../client/react.js";
import type { PromptChangeData } from "../../../protocol/index.js";
import { formatChange, formatNumber } from "../lib/format.js";
import { PLATFORM_LABELS } from "./icons.js";
import { toast } from "./toasts.js";

export interface PromptNotice extends PromptChangeData {
  seq: number;
  ts: number;
  from: string;
}

let prompts: PromptNotice[] = [];
const listeners = new Set<() => void>();
const subscribe = (l: () => void) => {
  listeners.add(l);
  return () => listeners.delete(l);
};

/** Prompt changes seen by this window (PROMPT_CHANGE is a message: it has no state key). */
export function usePromptNotices(): PromptNotice[] {
  return useSyncExternalStore(subscribe, () => prompts, () => prompts);
}

const ACTION_WORD = { created: "New prompt", updated: "Prompt updated", deleted: "Prompt removed" } as const;

/** Turns live events into toasts: a device connecting, a credit change, a prompt change. */
export function LiveNotices() {
  useNerveEvent("DEVICE_CONNECTED", (device) => {
    toast("info", `${device.name ?? device.deviceId} connected`, `${PLATFORM_LABELS[device.platform]} · ${device.connections} connection${device.connections === 1 ? "" : "s"}`, { testId: "toast-device" });
  });
  useNerveEvent("CREDIT_UPDATE", (e) => {
    const { change, reason, newBalance } = e.data;
    toast(change >= 0 ? "ok" : "warn", `${formatChange(change)} credits`, `${reason} · balance ${formatNumber(newBalance)}`, { testId: "toast-credit" });
  });
  useNerveEvent("PROMPT_CHANGE", (e) => {
    prompts = [{ ...e.data, seq: e.seq, ts: e.ts, from: e.from }, ...prompts].slice(0, 20);
    listeners.forEach((l) => l());
    toast("info", ACTION_WORD[e.data.action], e.data.title ? `“${e.data.title}” (${e.data.promptId})` : e.data.promptId, { testId: "toast-prompt" });
  });
  return null;
}
