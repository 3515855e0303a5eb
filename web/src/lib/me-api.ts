import * as z from "zod/mini";
import { DeviceInfo, NerveEventSchema } from "../../../protocol/index.js";
import { getSession } from "./session.js";

/**
 * The user-token HTTP routes the app reads beside its socket (docs/protocol.md 13.1): the raw event
 * log for the activity feed and the digest, the device list with `lastHeard`, and shoot dismissal.
 */
async function call(path: string, init: RequestInit = {}): Promise<unknown> {
  const session = getSession();
  if (!session) throw new Error("signed out");
  const res = await fetch(path, { ...init, headers: { Accept: "application/json", Authorization: `Bearer ${session.token}` } });
  const json: unknown = await res.json().catch(() => null);
  if (!res.ok) {
    const err = z.object({ error: z.object({ code: z.string(), message: z.string() }) }).safeParse(json);
    throw new MeApiError(res.status, err.success ? err.data.error.code : "HTTP", err.success ? err.data.error.message : `HTTP ${res.status}`);
  }
  return json;
}

export class MeApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
    this.name = "MeApiError";
  }
}

const EventsPage = z.object({ events: z.array(NerveEventSchema), seq: z.int(), epoch: z.optional(z.string()), reset: z.boolean(), hasMore: z.boolean() });
export type EventsPage = z.infer<typeof EventsPage>;

/** One page of the log after `since` (at most `limit` events). */
export async function eventsPage(since: number, limit = 500, epoch?: string): Promise<EventsPage> {
  const q = new URLSearchParams({ since: String(since), limit: String(limit), ...(epoch ? { epoch } : {}) });
  const parsed = EventsPage.safeParse(await call(`/api/me/events?${q}`));
  if (!parsed.success) throw new MeApiError(200, "BAD_RESPONSE", "the event log answer was not understood");
  return parsed.data;
}

const Devices = z.object({ devices: z.array(DeviceInfo) });

/** The device list with `lastHeard` for online devices (reading it also lets the server sweep out silent sockets). */
export async function devicesNow(): Promise<DeviceInfo[]> {
  const parsed = Devices.safeParse(await call("/api/me"));
  if (!parsed.success) throw new MeApiError(200, "BAD_RESPONSE", "the device list was not understood");
  return parsed.data.devices;
}

/** Dismisses a finished or stalled shoot (409 CONFLICT while it still runs). */
export async function dismissShoot(shootId: string): Promise<void> {
  await call(`/api/me/state/shoots.${encodeURIComponent(shootId)}`, { method: "DELETE" });
}
