import type { ActivityItem } from "./activity-item.js";
import { formatChange, formatNumber, percent } from "./format.js";

/** Plain words for one activity item (who is added by the caller). */
export function describeItem(item: ActivityItem): { title: string; detail?: string; link?: string } {
  const d = item.data;
  const str = (k: string) => (typeof d[k] === "string" ? (d[k] as string) : undefined);
  const num = (k: string) => (typeof d[k] === "number" ? (d[k] as number) : undefined);
  switch (item.type) {
    case "CREDIT_UPDATE":
      return { title: `${formatChange(num("change") ?? 0)} credits`, detail: `${str("reason") ?? ""} · balance ${formatNumber(num("newBalance") ?? 0)}` };
    case "POSTURE_CHANGE":
      return { title: `Posture set to ${capitalize(str("posture") ?? "")}`, detail: str("reason"), link: "/convergence" };
    case "LIMBIC_UPDATE":
      return { title: `Limbic: ${Object.keys(d).join(", ")} changed`, detail: Object.entries(d).map(([k, v]) => `${k} ${typeof v === "number" ? percent(v) : ""}`).join(" · "), link: "/convergence" };
    case "CONVERGENCE_UPDATE": {
      const answers = typeof d.answers === "object" && d.answers !== null ? Object.keys(d.answers).length : 0;
      return { title: answers ? `Convergence: ${answers} answer${answers === 1 ? "" : "s"}` : "Convergence changed", detail: num("progress") !== undefined ? `progress ${percent(num("progress")!)}` : undefined, link: "/convergence" };
    }
    case "SHOOT_PROGRESS":
      return { title: `Shoot ${str("shootId")}: ${str("status")}`, detail: `${num("processedCount") ?? 0} of ${num("totalCount") ?? 0} images`, link: `/shoots/${encodeURIComponent(str("shootId") ?? "")}` };
    case "PROMPT_CHANGE":
      return { title: `Prompt ${str("action")}`, detail: str("title") ?? str("promptId") };
    case "DREAM_QUEUED":
      return { title: "Dream cycle started", detail: `${num("windowHours") ?? 24} h window`, link: "/dreams" };
    case "DREAM_RESULT":
      return { title: "Dream report ready", link: `/dreams/${encodeURIComponent(str("cycleId") ?? "")}` };
    case "DREAM_FAILED":
      return { title: "Dream cycle failed", detail: str("error"), link: "/dreams" };
    case "DREAM_CANCELLED":
      return { title: "Dream cycle cancelled", link: "/dreams" };
    case "DREAM_SCHEDULE":
      return { title: d.enabled ? "Nightly dreaming turned on" : "Nightly dreaming turned off", link: "/dreams" };
    case "STATE_REMOVED": {
      const keys = Array.isArray(d.keys) ? (d.keys as string[]) : [];
      return { title: `Removed: ${keys.map((k) => (k.startsWith("shoots.") ? `shoot ${k.slice(7)}` : k)).join(", ")}` };
    }
    default:
      return { title: item.type.toLowerCase().replace(/_/g, " ") };
  }
}

/** One line of the digest: everything that happened to one thing while this device was away. */
export interface DigestGroup {
  key: string;
  title: string;
  detail?: string;
  link?: string;
  /** Distinct sources (device ids or service names), most recent first. */
  froms: string[];
  /** The latest change (ms). */
  at: number;
  count: number;
}

function entityOf(item: ActivityItem): string {
  const d = item.data;
  switch (item.type) {
    case "SHOOT_PROGRESS": return `shoot:${String(d.shootId)}`;
    case "CREDIT_UPDATE": return "credits";
    case "POSTURE_CHANGE": return "posture";
    case "LIMBIC_UPDATE": return "limbic";
    case "CONVERGENCE_UPDATE": return "convergence";
    case "PROMPT_CHANGE": return "prompts";
    case "STATE_REMOVED": return "removed";
    default: return "dreams";
  }
}

/** Groups missed items per entity (items newest first, as the feed keeps them), newest group first. */
export function digestGroups(items: ActivityItem[]): DigestGroup[] {
  const byEntity = new Map<string, ActivityItem[]>();
  for (const i of items) byEntity.set(entityOf(i), [...(byEntity.get(entityOf(i)) ?? []), i]);
  const groups: DigestGroup[] = [];
  for (const [key, list] of byEntity) {
    const newest = list[0]!;
    const oldest = list.at(-1)!;
    const froms = [...new Set(list.map((i) => i.from))];
    const base = { key, froms, at: newest.at, count: list.length };
    const d = newest.data;
    if (key === "credits") {
      const total = list.reduce((n, i) => n + (typeof i.data.change === "number" ? i.data.change : 0), 0);
      const end = typeof d.newBalance === "number" ? d.newBalance : 0;
      const start = typeof oldest.data.newBalance === "number" && typeof oldest.data.change === "number" ? oldest.data.newBalance - oldest.data.change : end - total;
      groups.push({ ...base, title: `Credits ${formatNumber(start)} → ${formatNumber(end)} (${formatChange(total)})`, detail: list.length > 1 ? `${list.length} changes` : String(d.reason ?? "") });
    } else if (key === "limbic") {
      const fields = [...new Set(list.flatMap((i) => Object.keys(i.data)))];
      groups.push({ ...base, title: `Limbic: ${fields.join(", ")} changed`, link: "/convergence" });
    } else if (key === "posture") {
      groups.push({ ...base, title: `Posture is now ${capitalize(String(d.posture))}`, detail: list.length > 1 ? `${list.length} switches` : (d.reason as string | undefined), link: "/convergence" });
    } else if (key.startsWith("shoot:")) {
      const id = key.slice(6);
      const isNew = list.some((i) => i.data.status === "queued") || list.length > 0 && oldest.data.processedCount === 0;
      groups.push({ ...base, title: `${isNew ? "New shoot" : "Shoot"} ${id}: ${String(d.status)}`, detail: `${String(d.processedCount)} of ${String(d.totalCount)} images`, link: `/shoots/${encodeURIComponent(id)}` });
    } else if (key === "prompts") {
      const titles = list.map((i) => `${String(i.data.title ?? i.data.promptId)} (${String(i.data.action)})`);
      groups.push({ ...base, title: `${list.length} prompt change${list.length === 1 ? "" : "s"}`, detail: titles.slice(0, 3).join(", ") + (titles.length > 3 ? ", …" : "") });
    } else {
      const first = describeItem(newest);
      groups.push({ ...base, title: list.length > 1 ? `${first.title} (and ${list.length - 1} more)` : first.title, detail: first.detail, link: first.link });
    }
  }
  return groups.sort((a, b) => b.at - a.at);
}

const capitalize = (w: string): string => (w ? w[0]!.toUpperCase() + w.slice(1) : w);
