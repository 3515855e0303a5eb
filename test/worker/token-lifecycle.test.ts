import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { EXPIRY_SLACK_MS } from "../../durable-objects/sockets.js";
import { connect, hubOf, serviceToken, uniqueUser, untilExpired, userToken, sweepNow } from "./helpers.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Opens a device's socket with a token that lives `ttl` seconds, and reads its catch-up. */
async function open(user: string, device: string, ttl: number) {
  const client = await connect({ token: await userToken(user, { device, ttl }) });
  await client.catchUp();
  return client;
}

describe("a socket's authority ends with its token", () => {
  it("the sweep closes a socket whose token expired with 4002, and is scheduled within the slack after exp", async () => {
    const user = uniqueUser();
    const short = await open(user, "phone", 2);
    const long = await open(user, "laptop", 600);
    const due = await runInDurableObject(hubOf(user), (_i, state) => state.storage.sql.exec<{ due: number }>("SELECT due FROM jobs WHERE id = 'sweep'").one().due);
    expect(due).toBeLessThanOrEqual(Date.now() + 2_000 + EXPIRY_SLACK_MS);
    await sleep(2_100);
    expect(await sweepNow(user)).toBe(true);
    expect(await short.waitClosed()).toEqual({ code: 4002, reason: "token expired" });
    expect(long.closed).toBeNull();
    long.close();
  });

  it("a frame on an expired socket is refused and the socket closed with 4002, before the sweep", async () => {
    const user = uniqueUser();
    // Three seconds of life (room to connect on a slow machine), then wait for its real end.
    const token = await userToken(user, { device: "phone", ttl: 3 });
    const ws = await connect({ token });
    await ws.catchUp();
    await untilExpired(token);
    ws.send({ type: "LIMBIC_UPDATE", id: "late", data: { trust: 0.2 } });
    expect(await ws.next("ERROR")).toMatchObject({ id: "late", code: "TOKEN_INVALID" });
    expect((await ws.waitClosed()).code).toBe(4002);
  });

  it("REFRESH with a valid token of the same user and device extends the socket past the old exp", async () => {
    const user = uniqueUser();
    const ws = await open(user, "phone", 2);
    ws.send({ type: "REFRESH", id: "r-1", data: { token: await userToken(user, { device: "phone", ttl: 600 }) } });
    expect(await ws.next("ACCEPTED")).toEqual({ type: "ACCEPTED", id: "r-1" });
    // The wake set for the old token's expiry moved with it: a refreshed socket costs no wake at its old exp.
    const due = await runInDurableObject(hubOf(user), (_i, state) => state.storage.sql.exec<{ due: number }>("SELECT due FROM jobs WHERE id = 'sweep'").one().due);
    expect(due).toBeGreaterThan(Date.now() + 2_000 + EXPIRY_SLACK_MS);
    await sleep(2_100);
    expect(await sweepNow(user)).toBe(true);
    ws.send({ type: "PING", data: { t: 7 } });
    expect(await ws.next("PONG")).toMatchObject({ t: 7 });
    expect(ws.closed).toBeNull();
    ws.close();
  });

  it.each([
    ["another user's token", async (_user: string) => userToken(uniqueUser(), { device: "phone" })],
    ["another device's token", async (user: string) => userToken(user, { device: "tablet" })],
    ["a service token", async () => serviceToken()],
    ["an expired token", async (user: string) => userToken(user, { device: "phone", ttl: -10 })],
    ["garbage", async () => "not.a.jwt"],
  ])("REFRESH with %s is refused with TOKEN_INVALID and the socket closes with 4002", async (_name, tokenOf) => {
    const user = uniqueUser();
    const ws = await open(user, "phone", 600);
    ws.send({ type: "REFRESH", id: "r-x", data: { token: await tokenOf(user) } });
    expect(await ws.next("ERROR")).toMatchObject({ id: "r-x", code: "TOKEN_INVALID", retryable: false, message: expect.stringMatching(/^REFRESH refused: /) });
    expect(await ws.waitClosed()).toEqual({ code: 4002, reason: "token refresh refused" });
  });
});
