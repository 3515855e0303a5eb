import { describe, expect, it } from "vitest";
import { connect, uniqueUser, userToken } from "./helpers.js";

describe("connect and WELCOME", () => {
  it("sends WELCOME, a full STATE with reset, then SYNCED to a new device", async () => {
    const user = uniqueUser();
    const client = await connect({ token: await userToken(user), device: "laptop", platform: "macos", name: "Work Mac" });
    const [welcome, state, synced] = await client.catchUp();
    expect(welcome).toMatchObject({ type: "WELCOME", userId: user, deviceId: "laptop", seq: 0, heartbeatMs: 30000, resumed: false });
    expect(typeof welcome!.serverTime).toBe("number");
    expect(state).toEqual({
      type: "STATE", seq: 0, state: {}, versions: {}, reset: true,
      devices: [{ deviceId: "laptop", platform: "macos", name: "Work Mac", online: true, connections: 1, lastSeen: expect.any(Number), ackedSeq: 0, lastHeard: expect.any(Number) }],
    });
    expect(synced).toEqual({ type: "SYNCED", seq: 0 });
    client.close();
  });

  it("assigns a deviceId when neither token nor query names one", async () => {
    const client = await connect({ token: await userToken(uniqueUser()) });
    const welcome = await client.next("WELCOME");
    expect(welcome.deviceId).toMatch(/^dev-[0-9a-f-]{36}$/);
    client.close();
  });

  it("takes the deviceId from the token's did over the query", async () => {
    const client = await connect({ token: await userToken(uniqueUser(), { device: "phone" }), device: "other" });
    expect((await client.next("WELCOME")).deviceId).toBe("phone");
    client.close();
  });

  it("accepts the token in the subprotocol list and answers nerve.v1", async () => {
    const token = await userToken(uniqueUser());
    const client = await connect({}, { "Sec-WebSocket-Protocol": `nerve.v1, bearer.${token}` });
    expect(client.response.headers.get("Sec-WebSocket-Protocol")).toBe("nerve.v1");
    expect((await client.next("WELCOME")).type).toBe("WELCOME");
    client.close();
  });

  it("answers the text ping with pong, and PING with PONG", async () => {
    const client = await connect({ token: await userToken(uniqueUser()) });
    await client.catchUp();
    client.send("ping");
    expect(await client.next()).toEqual({ type: "pong" });
    client.send({ type: "PING", data: { t: 123 } });
    expect(await client.next()).toEqual({ type: "PONG", t: 123, serverTime: expect.any(Number) });
    client.close();
  });
});
