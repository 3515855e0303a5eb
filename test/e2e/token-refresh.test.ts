/**
 * The token lifecycle against a real `wrangler dev`: the SDK refreshes a short-lived token in-band
 * and never reconnects for it; a socket whose token expired without a refresh is closed with 4002.
 */
import { SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createNerveClient, memoryStorage, type NerveClient, type WebSocketFactory } from "../../client/index.js";
import { openSocket, startNerve, type Nerve } from "./harness.js";

let nerve: Nerve;
const clients: NerveClient[] = [];

beforeAll(async () => {
  nerve = await startNerve();
});

afterAll(async () => {
  for (const c of clients) await c.close();
  await nerve?.stop();
});

/** A user token that lives `ttl` seconds. */
function shortToken(user: string, device: string, ttl: number): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ did: device }).setProtectedHeader({ alg: "HS256" }).setSubject(user).setIssuedAt(now).setExpirationTime(now + ttl)
    .sign(new TextEncoder().encode(nerve.secret));
}

describe("token lifecycle against wrangler dev", () => {
  it("the SDK refreshes a 3-second token in-band: after three lifetimes it still writes on its first socket", async () => {
    const user = `refresh-${Date.now().toString(36)}`;
    let sockets = 0;
    let tokens = 0;
    const Counted = class {
      constructor(url: string, protocols?: string | string[]) {
        sockets++;
        return new WebSocket(url, protocols);
      }
    } as unknown as WebSocketFactory;
    const client = createNerveClient({
      url: nerve.wsUrl, deviceId: "phone", storage: memoryStorage(), WebSocket: Counted,
      getToken: () => {
        tokens++;
        return shortToken(user, "phone", 3);
      },
    });
    clients.push(client);
    await client.whenSynced();
    await new Promise((r) => setTimeout(r, 9_500));
    const result = await client.send("LIMBIC_UPDATE", { trust: 0.6 });
    expect(result.seq).toBe(1);
    expect(sockets).toBe(1);
    expect(client.getSnapshot().lastClose).toBeNull();
    expect(tokens).toBeGreaterThanOrEqual(4); // the connect's, then at least one REFRESH per lifetime
  });

  it("a socket that does not refresh is closed with 4002 once its token expired", async () => {
    const user = `expire-${Date.now().toString(36)}`;
    const ws = await openSocket(`${nerve.wsUrl}?platform=cli`, ["nerve.v1", `bearer.${await shortToken(user, "cli", 2)}`]);
    await ws.catchUp();
    await new Promise((r) => setTimeout(r, 2_500));
    ws.send({ type: "PING", id: "late", data: { t: 1 } });
    expect(await ws.next("ERROR")).toMatchObject({ id: "late", code: "TOKEN_INVALID" });
    expect(await ws.waitClosed()).toEqual({ code: 4002, reason: "token expired" });
  });
});
