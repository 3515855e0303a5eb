import { useRef } from "react";
import { useNerveClient, useNerveEvent } from "../../../client/react.js";
import { formatChange, formatNumber } from "../lib/format.js";
import { useWho, whereOf } from "../lib/names.js";
import { toast } from "./toasts.js";

const ACTION_WORD = { created: "New prompt", updated: "Prompt updated", deleted: "Prompt removed" } as const;

/**
 * Turns live changes made elsewhere into toasts: a device connecting, credits, prompts, a posture
 * switch, a new shoot. Only while live: what arrives during catch-up goes into the "while you were
 * away" summary instead of a burst of toasts. Changes made on this device make no toast.
 */
export function LiveNotices() {
  const client = useNerveClient();
  const who = useWho();
  const me = client.getSnapshot().deviceId;
  const live = () => client.getSnapshot().synced;
  const seenShoots = useRef(new Set<string>());
  useNerveEvent("DEVICE_CONNECTED", (device) => {
    toast("info", `${device.name ?? "A device"} is online`, undefined, { testId: "toast-device" });
  });
  useNerveEvent("CREDIT_UPDATE", (e) => {
    if (!live()) return;
    const { change, reason, newBalance } = e.data;
    toast(change >= 0 ? "ok" : "warn", `${formatChange(change)} credits`, `${reason} · balance ${formatNumber(newBalance)}`, { testId: "toast-credit" });
  });
  useNerveEvent("PROMPT_CHANGE", (e) => {
    if (!live()) return;
    toast("info", ACTION_WORD[e.data.action], e.data.title ? `“${e.data.title}”` : undefined, { testId: "toast-prompt" });
  });
  useNerveEvent("POSTURE_CHANGE", (e) => {
    if (!live() || e.from === me) return;
    toast("info", `Posture: ${e.data.posture}`, `Changed ${whereOf(who(e.from))}${e.data.reason ? ` · ${e.data.reason}` : ""}`, { testId: "toast-posture" });
  });
  useNerveEvent("SHOOT_PROGRESS", (e) => {
    if (!live() || seenShoots.current.has(e.data.shootId)) return;
    seenShoots.current.add(e.data.shootId);
    if (e.data.status === "queued" || e.data.processedCount === 0) toast("info", "New shoot", `${e.data.shootId} · ${e.data.totalCount} images`, { testId: "toast-shoot" });
  });
  return null;
}
