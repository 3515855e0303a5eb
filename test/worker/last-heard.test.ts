import { describe, expect, it } from "vitest";
import { api, device, uniqueUser, userToken } from "./helpers.js";

describe("lastHeard in device lists: an online device's last sign of life", () => {
  it("is the last ping or message of the device's connections, and absent once it is offline", async () => {
    const user = uniqueUser("heard");
    const phone = await device(user, "phone");
    const laptop = await device(user, "laptop");
    const token = await userToken(user);
    const first = (await api("/api/me", { token })).json.devices as { deviceId: string; lastHeard?: number; lastSeen: number }[];
    const phoneAt = first.find((d) => d.deviceId === "phone")!.lastHeard!;
    expect(phoneAt).toBeGreaterThan(0);
    expect(phoneAt).toBeLessThanOrEqual(Date.now());
    // A message moves it forward; the other device's does not move this one.
    await new Promise((r) => setTimeout(r, 20));
    const before = Date.now();
    phone.client.send({ type: "LIMBIC_UPDATE", id: "l1", data: { trust: 0.3 } });
    await phone.client.next("ACCEPTED");
    const second = (await api("/api/me", { token })).json.devices as { deviceId: string; lastHeard?: number }[];
    expect(second.find((d) => d.deviceId === "phone")!.lastHeard).toBeGreaterThanOrEqual(before);
    expect(second.find((d) => d.deviceId === "laptop")!.lastHeard).toBeLessThan(before);
    phone.client.close();
    await laptop.client.next("DEVICE_DISCONNECTED");
    const third = (await api("/api/me", { token })).json.devices as { deviceId: string; online: boolean; lastHeard?: number }[];
    expect(third.find((d) => d.deviceId === "phone")).toMatchObject({ online: false });
    expect(third.find((d) => d.deviceId === "phone")).not.toHaveProperty("lastHeard");
    laptop.client.close();
  });
});
