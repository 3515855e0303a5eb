import { describe, expect, it } from "vitest";
import { device, uniqueUser } from "./helpers.js";

describe("presence", () => {
  it("tells the other devices when a device connects and when its last connection goes", async () => {
    const user = uniqueUser();
    const phone = await device(user, "phone", { platform: "ios", name: "iPhone" });
    const mac = await device(user, "mac", { platform: "macos", name: "MacBook" });
    expect(await phone.client.next("DEVICE_CONNECTED")).toEqual({
      type: "DEVICE_CONNECTED",
      device: { deviceId: "mac", platform: "macos", name: "MacBook", online: true, connections: 1, lastSeen: expect.any(Number), ackedSeq: 0 },
    });
    // The newcomer sees the existing device in its STATE.
    const devices = (mac.catchUp[1] as unknown as { devices: { deviceId: string; online: boolean }[] }).devices;
    expect(devices.map((d) => [d.deviceId, d.online]).sort()).toEqual([["mac", true], ["phone", true]]);

    // A second connection of the same device (another tab) is not a new device.
    const mac2 = await device(user, "mac", { platform: "macos" });
    mac2.client.close();
    await mac2.client.waitClosed();

    mac.client.close();
    expect(await phone.client.next("DEVICE_DISCONNECTED")).toEqual({
      type: "DEVICE_DISCONNECTED",
      device: { deviceId: "mac", platform: "macos", name: "MacBook", online: false, connections: 0, lastSeen: expect.any(Number), ackedSeq: 0 },
    });
    // Exactly one connect and one disconnect of mac reached the phone.
    const seen = phone.client.frames.filter((f) => f.type.startsWith("DEVICE_")).map((f) => f.type);
    expect(seen).toEqual(["DEVICE_CONNECTED", "DEVICE_DISCONNECTED"]);
    phone.client.close();
  });

  it("lists offline devices with their last sighting", async () => {
    const user = uniqueUser();
    const old = await device(user, "old", { platform: "android" });
    old.client.close();
    await old.client.waitClosed();
    const now = await device(user, "now", { platform: "web" });
    const devices = (now.catchUp[1] as unknown as { devices: { deviceId: string; online: boolean; platform: string }[] }).devices;
    expect(devices.map((d) => [d.deviceId, d.online, d.platform])).toEqual([["now", true, "web"], ["old", false, "android"]]);
    now.client.close();
  });

  it("a connection without the presence topic gets no presence frames and no device list", async () => {
    const user = uniqueUser();
    const quiet = await device(user, "quiet", { topics: "shoots" });
    expect(quiet.catchUp[1]).not.toHaveProperty("devices");
    const loud = await device(user, "loud");
    loud.client.send({ type: "PING", data: { t: 1 } });
    await loud.client.next("PONG");
    quiet.client.send({ type: "PING", data: { t: 2 } });
    expect(await quiet.client.next()).toMatchObject({ type: "PONG", t: 2 });
    quiet.client.close();
    loud.client.close();
  });
});
