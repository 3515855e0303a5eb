import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { api, connect, hubOf, uniqueUser, untilExpired, userToken, sweepNow } from "./helpers.js";

/** Makes a device's connections look silent for `agoMs`. */
const silence = (user: string, deviceId: string, agoMs: number) => runInDurableObject(hubOf(user), (_i, state) => {
  for (const ws of state.getWebSockets(`d:${deviceId}`)) {
    const a = ws.deserializeAttachment() as Record<string, number>;
    ws.serializeAttachment({ ...a, connectedAt: Date.now() - agoMs, lastMessageAt: Date.now() - agoMs });
  }
});

// The closes the server starts on its own (1009 and 4008 follow the client's frames: test/e2e/exact-sync).
const CLOSES = [
  ["a heartbeat timeout (4010)", 4010, 600, (user: string) => silence(user, "desk", 10 * 60_000).then(async () => expect(await sweepNow(user)).toBe(true))],
  // Three seconds of life (room to connect on a slow machine), then a wait for its real end.
  ["a token expiry (4002)", 4002, 3, async (user: string, token: string) => {
    await untilExpired(token);
    expect(await sweepNow(user)).toBe(true);
  }],
] as const;

describe("exactly once across a server-initiated close", () => {
  for (const [name, code, ttl, close] of CLOSES) {
    it(`a message in flight at ${name} is applied at most once, and its retry once`, async () => {
      const user = uniqueUser();
      const token = await userToken(user, { device: "desk", ttl });
      const ws = await connect({ token });
      await ws.catchUp();
      const message = { type: "LIMBIC_UPDATE", id: "in-flight", data: { trust: 0.3 } };
      await close(user, token);
      try {
        ws.send(message); // right behind the close: the hub must not apply it unanswered
      } catch {
        // the client end may already know it is closed
      }
      expect((await ws.waitClosed()).code).toBe(code);

      const answers = [];
      for (let i = 0; i < 2; i++) {
        const again = await connect({ token: await userToken(user, { device: "desk" }), since: 0 });
        await again.catchUp();
        again.send(message);
        answers.push(await again.next("ACCEPTED"));
        again.close();
      }
      expect(answers[1]).toEqual(answers[0]);
      const log = await api("/api/me/events?since=0", { token: await userToken(user) });
      expect(log.json.events.map((e: { type: string; seq: number }) => [e.type, e.seq])).toEqual([["LIMBIC_UPDATE", 1]]);
    });
  }
});
