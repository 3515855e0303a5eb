/** docs/protocol.md 2-3 and 11: opening /ws, the token forms, and every close code of the handshake. */
import { SUBPROTOCOL } from "../../protocol/index.js";
import { clean, closedWith, equal, has, ok } from "../expect.js";
import type { Report } from "../report.js";
import type { Target } from "../target.js";

export async function connecting(t: Target, r: Report): Promise<void> {
  r.section("Connecting (2, 3) and the handshake's close codes (11)");
  const user = t.user("connect");

  await r.check("subprotocol [nerve.v1, bearer.<jwt>]: the server answers nerve.v1; WELCOME, STATE (reset: true, devices), SYNCED", async () => {
    const s = await t.open({ device: "phone", platform: "ios", name: "Conformance phone" }, { token: await t.userToken(user) });
    equal(s.protocol, SUBPROTOCOL, "the chosen subprotocol");
    const [welcome, state, synced] = await s.catchUp();
    has(welcome, { type: "WELCOME", userId: user, deviceId: "phone", seq: 0, resumed: false }, "WELCOME");
    ok(typeof welcome!.epoch === "string" && typeof welcome!.heartbeatMs === "number" && typeof welcome!.serverTime === "number", "WELCOME has epoch, heartbeatMs, serverTime");
    has(state, { type: "STATE", seq: 0, state: {}, versions: {}, reset: true }, "STATE");
    has((state!.devices as unknown[])[0] as object, { deviceId: "phone", platform: "ios", name: "Conformance phone", online: true, connections: 1 }, "the device list");
    equal(synced, { type: "SYNCED", seq: 0 }, "SYNCED");
    clean(s);
    await s.close();
  });

  await r.check("token=<jwt> in the query works too; a token's did names the device", async () => {
    const s = await t.open({}, { token: await t.userToken(user, { device: "laptop" }), tokenIn: "query" });
    has(await s.next(), { type: "WELCOME", deviceId: "laptop" }, "WELCOME");
    await s.close();
  });

  await r.check("without device or did the server makes a deviceId up (dev-<uuid>)", async () => {
    const s = await t.open({}, { token: await t.userToken(user) });
    const w = await s.next();
    ok(typeof w.deviceId === "string" && (w.deviceId as string).startsWith("dev-"), `deviceId ${w.deviceId}`);
    await s.close();
  });

  await r.check("4000: an invalid query parameter (since, epoch, platform, topics, batch, name), the reason naming it", async () => {
    const token = await t.userToken(user);
    for (const [key, value] of [["since", "-1"], ["epoch", "no spaces"], ["platform", "toaster"], ["topics", "state,weather"], ["batch", "yes"], ["name", "a\u202Eb"]]) {
      const s = await t.open({ [key!]: value }, { token });
      const c = await closedWith(s, 4000, `${key}=${value}`);
      ok(c.reason.startsWith(`${key}`), `the reason names ${key}: ${c.reason}`);
    }
  });

  await r.check("4001: no token", async () => {
    await closedWith(await t.open({}), 4001, "no token");
  });

  await r.check("4002: a bad, an expired, a too-long-lived, a future or a service token", async () => {
    await closedWith(await t.open({}, { token: "not.a.jwt" }), 4002, "garbage");
    await closedWith(await t.open({}, { token: await t.userToken(user, { ttl: -60 }) }), 4002, "expired");
    await closedWith(await t.open({}, { token: await t.userToken(user, { ttl: 30 * 86400 }) }), 4002, "30-day token");
    await closedWith(await t.open({}, { token: await t.userToken(user, { iatShift: 3600, ttl: 7200 }) }), 4002, "iat in the future");
    await closedWith(await t.open({}, { token: await t.serviceToken() }), 4002, "service token");
  });

  await r.check("4003: a browser Origin that is not allowed; no Origin (native apps) is always allowed", async () => {
    await closedWith(await t.open({}, { token: await t.userToken(user), origin: "https://evil.example" }), 4003, "Origin https://evil.example");
  });
}
