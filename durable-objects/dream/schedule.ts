import type { DreamScheduleData } from "../../protocol/index.js";

const MINUTE_MS = 60_000;
const DAY_MS = 24 * 60 * MINUTE_MS;

/** A nightly schedule with its defaults filled in: 03:00 UTC, a 24-hour window. */
export interface ScheduleSettings {
  enabled: boolean;
  hour: number;
  minute: number;
  utcOffsetMinutes: number;
  windowHours: number;
}

export const SCHEDULE_DEFAULTS = { hour: 3, minute: 0, utcOffsetMinutes: 0, windowHours: 24 } as const;

/** Fills the defaults of a `DREAM_SCHEDULE` message, keeping fields of `previous` it does not name. */
export function resolveSchedule(data: DreamScheduleData, previous?: ScheduleSettings | null): ScheduleSettings {
  const base = previous ?? { enabled: false, ...SCHEDULE_DEFAULTS };
  return {
    enabled: data.enabled,
    hour: data.hour ?? base.hour,
    minute: data.minute ?? base.minute,
    utcOffsetMinutes: data.utcOffsetMinutes ?? base.utcOffsetMinutes,
    windowHours: data.windowHours ?? base.windowHours,
  };
}

/**
 * The first time strictly after `now` at which the user's local clock reads hour:minute, where
 * local time is UTC plus `utcOffsetMinutes` (a fixed offset: the device sends a new schedule
 * when its offset changes).
 * @example nextNightlyAt(Date.UTC(2026, 0, 1, 22), { hour: 3, minute: 0, utcOffsetMinutes: 60 }) // Date.UTC(2026, 0, 2, 2)
 */
export function nextNightlyAt(now: number, s: Pick<ScheduleSettings, "hour" | "minute" | "utcOffsetMinutes">): number {
  const offsetMs = s.utcOffsetMinutes * MINUTE_MS;
  const localNow = now + offsetMs;
  const localMidnight = Math.floor(localNow / DAY_MS) * DAY_MS;
  let at = localMidnight + (s.hour * 60 + s.minute) * MINUTE_MS - offsetMs;
  while (at <= now) at += DAY_MS;
  return at;
}
