import { describe, expect, it } from "vitest";
import { PRESENCE_WINDOW_MS } from "../../durable-objects/presence.js";
import { device, uniqueUser } from "./helpers.js";

describe("presence under churn", () => {
  it("a device that connects and leaves 100 times costs the others a few frames, ending on the truth", async () => {
    const user = uniqueUser();
    const watcher = await device(user, "watcher");
    const started = Date.now();
    for (let i = 0; i < 100; i++) {
      const flappy = await device(user, "flappy");
      flappy.client.close();
      await flappy.client.waitClosed();
    }
    const elapsed = Date.now() - started;
    // The last change is announced at most one window later; a slow machine gets 10 s more to
    // deliver it before the test says it never came.
    await new Promise((r) => setTimeout(r, PRESENCE_WINDOW_MS + 200));
    const presence = watcher.client.drain().filter((f) => f.type.startsWith("DEVICE_"));
    for (const deadline = Date.now() + 10_000; presence.at(-1)?.type !== "DEVICE_DISCONNECTED" && Date.now() < deadline;) {
      await new Promise((r) => setTimeout(r, 50));
      presence.push(...watcher.client.drain().filter((f) => f.type.startsWith("DEVICE_")));
    }
    const windows = Math.ceil(elapsed / PRESENCE_WINDOW_MS) + 1;
    expect(presence.length).toBeGreaterThanOrEqual(2);
    expect(presence.length).toBeLessThanOrEqual(2 * windows);
    expect(presence.length).toBeLessThan(200 / 4);
    expect(presence.at(-1)).toMatchObject({ type: "DEVICE_DISCONNECTED", device: { deviceId: "flappy", online: false, connections: 0 } });
    watcher.client.close();
  }, 60_000); // 100 connects and closes: seconds on a loaded machine
});
