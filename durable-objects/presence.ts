/** Within this window, a device's presence changes are coalesced into at most one more frame. */
export const PRESENCE_WINDOW_MS = 1000;
/** Devices whose last announcement is remembered; past it the memory starts over (announcing at once again). */
const MAX_REMEMBERED = 1000;

/**
 * Coalesces DEVICE_CONNECTED / DEVICE_DISCONNECTED under churn. A change is announced at once when
 * the device's last announcement is older than the window; inside the window it waits for the
 * window's end, and is announced then only if the device's state still differs from what the
 * others last heard. A device that flaps 1,000 times in ten seconds costs its user's other devices
 * about ten frames, not 2,000, and they always end on the truth.
 *
 * Memory only: a hub that hibernates has been quiet for longer than the window.
 */
export class Presence {
  private readonly announced = new Map<string, { online: boolean; at: number }>();
  private readonly pending = new Set<string>();
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly isOnline: (deviceId: string) => boolean,
    private readonly emit: (deviceId: string, online: boolean, now: number) => void,
    private readonly windowMs = PRESENCE_WINDOW_MS,
  ) {}

  /** The device's connections changed: announce, now or at the window's end. */
  changed(deviceId: string, now: number): void {
    const last = this.announced.get(deviceId);
    if (!last || now - last.at >= this.windowMs) {
      this.announce(deviceId, this.isOnline(deviceId), now);
      return;
    }
    this.pending.add(deviceId);
    this.timer ??= setTimeout(() => this.flush(), Math.max(0, last.at + this.windowMs - now));
  }

  private flush(): void {
    this.timer = null;
    const now = Date.now();
    const due = [...this.pending];
    this.pending.clear();
    for (const deviceId of due) {
      const online = this.isOnline(deviceId);
      if (this.announced.get(deviceId)?.online !== online) this.announce(deviceId, online, now);
    }
  }

  private announce(deviceId: string, online: boolean, now: number): void {
    if (this.announced.size >= MAX_REMEMBERED && !this.announced.has(deviceId)) this.announced.clear();
    this.announced.set(deviceId, { online, at: now });
    this.emit(deviceId, online, now);
  }
}
