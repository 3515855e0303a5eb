import { BEARER_PREFIX, SUBPROTOCOL, type Platform, type Topic } from "../protocol/index.js";

export interface ConnectTarget {
  /** The `/ws` endpoint (`ws://` or `wss://`). */
  url: string;
  token: string;
  tokenTransport: "query" | "subprotocol";
  /** Where to resume (`since`, `epoch`); null for a first connect. */
  resume: { since: number; epoch: string | null } | null;
  device: string | null;
  platform?: Platform;
  name?: string;
  topics?: readonly Topic[];
}

/**
 * The URL and subprotocols of one connection attempt (protocol.md 3). The token goes in the
 * subprotocol list unless `tokenTransport` is `query`; `batch=1` asks for the catch-up in EVENTS
 * frames (far fewer frames, and parses, than one per missed message).
 * @example connectUrl({ url: "wss://h/ws", token, tokenTransport: "subprotocol", resume: { since: 42, epoch: "e1" }, device: "d-1" })
 * // { url: "wss://h/ws?since=42&epoch=e1&device=d-1&batch=1", protocols: ["nerve.v1", "bearer.<token>"] }
 */
export function connectUrl(t: ConnectTarget): { url: string; protocols?: string[] } {
  const query: [string, string | undefined][] = [
    ["token", t.tokenTransport === "query" ? t.token : undefined],
    ["since", t.resume ? String(t.resume.since) : undefined],
    ["epoch", t.resume?.epoch ?? undefined],
    ["device", t.device ?? undefined],
    ["platform", t.platform],
    ["name", t.name],
    ["topics", t.topics?.join(",")],
    ["batch", "1"],
  ];
  // Built by hand: React Native's URL has long lacked a working searchParams.
  const qs = query.filter(([, v]) => v !== undefined).map(([k, v]) => `${k}=${encodeURIComponent(v!)}`).join("&");
  const url = `${t.url}${t.url.includes("?") ? "&" : "?"}${qs}`;
  return { url, protocols: t.tokenTransport === "subprotocol" ? [SUBPROTOCOL, BEARER_PREFIX + t.token] : undefined };
}
