import { describe, expect, it, vi } from "vitest";
import { backoffDelay } from "../../client/backoff.js";
import { peekToken, randomId } from "../../client/ids.js";
import { computeQuality, LinkQuality } from "../../client/link-quality.js";
import { DEFAULTS, resolveOptions } from "../../client/options.js";
import { Outbox, parseStoredOutbox } from "../../client/outbox.js";
import { Pacer } from "../../client/pacer.js";
import { PersistQueue } from "../../client/persist-queue.js";
import { closePolicy, ReconnectingSocket } from "../../client/reconnecting-socket.js";
import type { WebSocketFactory } from "../../client/options.js";
import { SeqTracker } from "../../client/seq-tracker.js";
import { memoryStorage, webStorage } from "../../client/storage.js";

describe("backoff", () => {
  it("centres on 1, 2, 4, 8, 16, 30, 30 s", () => {
    const centre = () => 0.5;
    expect([1, 2, 3, 4, 5, 6, 7, 12].map((n) => backoffDelay(n, DEFAULTS.backoff, centre))).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
  });

  it("spreads each delay by the jitter and never passes the cap", () => {
    expect(backoffDelay(1, DEFAULTS.backoff, () => 0)).toBe(800);
    expect(backoffDelay(1, DEFAULTS.backoff, () => 0.999999)).toBe(1200);
    expect(backoffDelay(4, DEFAULTS.backoff, () => 0)).toBe(6400);
    expect(backoffDelay(6, DEFAULTS.backoff, () => 0)).toBe(24000);
    expect(backoffDelay(6, DEFAULTS.backoff, () => 0.999999)).toBe(30000);
    expect(backoffDelay(3, { ...DEFAULTS.backoff, jitter: 0 }, () => 0)).toBe(4000);
  });
});

describe("close policy", () => {
  it("is the protocol's closeAction: stop, refresh, reconnect at once, or back off", () => {
    const codes = [4000, 4001, 4002, 4003, 4008, 4009, 4010, 4011, 4012, 1000, 1006, 1009, 1011];
    expect(codes.map((c) => [c, closePolicy(c)])).toEqual([
      [4000, "stop"], [4001, "stop"], [4002, "refresh"], [4003, "stop"], [4008, "backoff"], [4009, "backoff"],
      [4010, "reconnect"], [4011, "reconnect"], [4012, "reconnect"], [1000, "backoff"], [1006, "backoff"], [1009, "reconnect"], [1011, "backoff"],
    ]);
  });

  it("follows the documented ranges for codes it does not know", () => {
    const unknown = [4100, 4199, 4200, 4299, 4300, 4399, 4400, 4499, 4013, 4099, 4500, 4999, 3000, 1012];
    expect(unknown.map((c) => [c, closePolicy(c)])).toEqual([
      [4100, "stop"], [4199, "stop"], [4200, "refresh"], [4299, "refresh"], [4300, "backoff"], [4399, "backoff"],
      [4400, "reconnect"], [4499, "reconnect"], [4013, "backoff"], [4099, "backoff"], [4500, "backoff"], [4999, "backoff"],
      [3000, "backoff"], [1012, "backoff"],
    ]);
  });
});

describe("reconnecting socket after 4008 and 4009", () => {
  /** A socket factory whose sockets the test opens and closes by hand. */
  function fakeSockets() {
    const made: { close: (code: number) => void }[] = [];
    class FakeSocket extends EventTarget {
      readyState = 0;
      constructor() {
        super();
        made.push({
          close: (code) => {
            this.readyState = 3;
            this.dispatchEvent(Object.assign(new Event("close"), { code, reason: "" }));
          },
        });
        queueMicrotask(() => {
          this.readyState = 1;
          this.dispatchEvent(new Event("open"));
        });
      }
      send() {}
      close() {}
    }
    return { made, WebSocket: FakeSocket as unknown as WebSocketFactory };
  }

  for (const [code, least] of [[4009, 30_000], [4008, 60_000]] as const) {
    it(`${code} waits ${least / 1000}-${(2 * least) / 1000} s, whatever the backoff says`, async () => {
      vi.useFakeTimers();
      try {
        const { made, WebSocket } = fakeSockets();
        const socket = new ReconnectingSocket({
          target: async () => ({ url: "wss://x/ws" }), WebSocket, backoff: { minDelayMs: 10, maxDelayMs: 50, factor: 2, jitter: 0 },
          maxRetries: 10, connectTimeoutMs: 5000, onOpen: () => {}, onMessage: () => {}, onClose: () => {}, onStatus: () => {}, onTargetError: () => {},
          random: () => 0.5,
        });
        socket.start();
        await vi.advanceTimersByTimeAsync(1);
        expect(made).toHaveLength(1);
        made[0]!.close(code);
        await vi.advanceTimersByTimeAsync(least - 1);
        expect(made).toHaveLength(1);
        await vi.advanceTimersByTimeAsync(least);
        expect(made).toHaveLength(2);
        socket.close();
      } finally {
        vi.useRealTimers();
      }
    });
  }
});

describe("reconnecting socket after a deploy's close", () => {
  it("spreads the first attempt after 1001 over WELCOME's reconnectSpreadMs, but not after a 1006 (its own pong timeout or network)", async () => {
    vi.useFakeTimers();
    try {
      const made: EventTarget[] = [];
      class FakeSocket extends EventTarget {
        readyState = 0;
        constructor() {
          super();
          made.push(this);
          queueMicrotask(() => {
            this.readyState = 1;
            this.dispatchEvent(new Event("open"));
          });
        }
        send() {}
        close() {}
      }
      const socket = new ReconnectingSocket({
        target: async () => ({ url: "wss://x/ws" }), WebSocket: FakeSocket as unknown as WebSocketFactory,
        backoff: { minDelayMs: 100, maxDelayMs: 1000, factor: 2, jitter: 0 }, maxRetries: 10, connectTimeoutMs: 60_000,
        onOpen: () => {}, onMessage: () => {}, onClose: () => {}, onStatus: () => {}, onTargetError: () => {}, random: () => 0.5,
      });
      socket.start();
      await vi.advanceTimersByTimeAsync(1);
      socket.markHealthy(10_000);
      made[0]!.dispatchEvent(Object.assign(new Event("close"), { code: 1001, reason: "deploy" }));
      await vi.advanceTimersByTimeAsync(4_999);
      expect(made).toHaveLength(1); // the 100 ms backoff would have gone long ago
      await vi.advanceTimersByTimeAsync(2);
      expect(made).toHaveLength(2);
      socket.markHealthy(10_000);
      socket.kill("no pong");
      await vi.advanceTimersByTimeAsync(101);
      expect(made).toHaveLength(3);
      socket.close();
    } finally {
      vi.useRealTimers();
    }
  });
});

describe("seq tracker", () => {
  it("moves the cursor over contiguous seqs and remembers those beyond a hole", () => {
    const t = new SeqTracker(5, true);
    expect(t.mark(6)).toBe(true);
    expect(t.mark(6)).toBe(false);
    expect(t.mark(8)).toBe(true);
    expect([t.cursor, t.hasGap, t.highest, t.has(8), t.has(7)]).toEqual([6, true, 8, true, false]);
    expect(t.mark(7)).toBe(true);
    expect([t.cursor, t.hasGap]).toEqual([8, false]);
    expect(t.has(3)).toBe(true);
  });

  it("settles on SYNCED and resets to a server that restarted lower", () => {
    const t = new SeqTracker(0, true);
    t.mark(2);
    t.mark(9);
    t.settle(5);
    expect([t.cursor, t.hasGap, t.has(9)]).toEqual([5, true, true]);
    t.resetTo(3);
    expect([t.cursor, t.hasGap, t.has(9)]).toEqual([3, false, false]);
  });

  it("takes any newer seq as the cursor on a topic-filtered connection", () => {
    const t = new SeqTracker(0, false);
    t.mark(4);
    t.mark(10);
    expect([t.cursor, t.hasGap, t.has(7)]).toEqual([10, false, true]);
  });
});

describe("outbox", () => {
  it("keeps order, marks what went out, forgets what was answered, persists every change", () => {
    const saved: string[][] = [];
    const box = new Outbox(3, (entries) => saved.push(entries.map((e) => e.id)));
    for (const id of ["a", "b", "c"]) box.add({ id, type: "LIMBIC_UPDATE", data: { trust: 0.5 }, createdAt: 1 });
    expect(box.isFull).toBe(true);
    expect(box.nextUnsent()?.id).toBe("a");
    box.markSent("a");
    box.markSent("b");
    expect([box.nextUnsent()?.id, box.inflightCount]).toEqual(["c", 2]);
    expect(box.take("b")?.entry.id).toBe("b");
    box.unsendAll();
    expect([box.nextUnsent()?.id, box.inflightCount, box.size]).toEqual(["a", 0, 2]);
    expect(saved.at(-1)).toEqual(["a", "c"]);
    expect(box.take("zz")).toBeUndefined();
  });

  it("restores a stored outbox first, without duplicates, and drops what it cannot read", () => {
    const box = new Outbox(10, () => {});
    box.add({ id: "new", type: "ACK", data: {}, createdAt: 2 });
    const stored = parseStoredOutbox(JSON.stringify([{ id: "old", type: "LIMBIC_UPDATE", data: { trust: 1 }, createdAt: 1 }, { id: "new", type: "ACK", data: {}, createdAt: 2 }]));
    expect(box.restore(stored)).toBe(1);
    expect(box.list().map((e) => e.id)).toEqual(["old", "new"]);
    expect(parseStoredOutbox("{not json")).toEqual([]);
    expect(parseStoredOutbox(JSON.stringify([{ id: 5 }]))).toEqual([]);
    expect(parseStoredOutbox(null)).toEqual([]);
  });
});

describe("latency and quality", () => {
  it("rolls the mean of the last five round trips", () => {
    const q = new LinkQuality();
    expect(q.latencyMs).toBeNull();
    for (const ms of [100, 100, 100, 100, 100, 600]) q.record(ms);
    expect(q.latencyMs).toBe(200);
  });

  it("is 0 offline, 100 when fast and steady, lower with latency and recent reconnects", () => {
    expect(computeQuality(false, 10, 0)).toBe(0);
    expect(computeQuality(true, null, 0)).toBe(100);
    expect(computeQuality(true, 40, 0)).toBe(100);
    expect(computeQuality(true, 550, 0)).toBe(50);
    expect(computeQuality(true, 120, 1)).toBe(78);
    expect(computeQuality(true, 40, 9)).toBe(40);
    expect(computeQuality(true, 5000, 0)).toBe(0);
    const q = new LinkQuality();
    q.record(50);
    const now = 10 * 60_000;
    expect(q.quality(true, [now - 6 * 60_000, now - 1000], now)).toBe(85);
  });
});

describe("pacer", () => {
  it("allows a minute's budget at once, then one token per 60000/perMinute ms, and honours a pause", () => {
    let now = 0;
    const p = new Pacer(60, () => now);
    for (let i = 0; i < 60; i++) expect(p.take()).toBe(true);
    expect(p.take()).toBe(false);
    expect(p.waitMs()).toBe(1000);
    now = 1000;
    expect(p.take()).toBe(true);
    now = 5000;
    p.pauseFor(3000);
    expect(p.take()).toBe(false);
    expect(p.waitMs()).toBe(3000);
    now = 8000;
    expect(p.take()).toBe(true);
    p.exhaust();
    expect([p.take(), p.waitMs()]).toEqual([false, 1000]);
  });
});

describe("token peek and ids", () => {
  const jwt = (payload: object) => `x.${Buffer.from(JSON.stringify(payload)).toString("base64url")}.y`;

  it("reads sub, did and exp without verifying, and refuses what is not a JWT", () => {
    expect(peekToken(jwt({ sub: "alice", did: "phone", exp: 1 }))).toEqual({ sub: "alice", did: "phone", exp: 1 });
    expect(peekToken(jwt({ sub: "zoë@x" }))).toEqual({ sub: "zoë@x" });
    expect(peekToken(jwt({ did: "x" }))).toBeNull();
    expect(peekToken("not-a-jwt")).toBeNull();
    expect(peekToken("a.%%%.b")).toBeNull();
  });

  it("makes ids the server accepts", () => {
    expect(randomId("m-")).toMatch(/^m-[0-9a-f-]{32,36}$/);
    expect(randomId()).not.toBe(randomId());
  });
});

describe("options", () => {
  const base = { url: "https://nerve.example/ws", getToken: () => "t", WebSocket: class {} as never };

  it("fills the defaults and turns http into ws", () => {
    const o = resolveOptions(base);
    expect(o).toMatchObject({ url: "wss://nerve.example/ws", maxRetries: 10, backoff: { minDelayMs: 1000, maxDelayMs: 30000, factor: 2, jitter: 0.2 }, ackIntervalMs: 10000, maxOutbox: 200, tokenTransport: "subprotocol", platform: "cli" });
    expect(resolveOptions({ ...base, url: "http://127.0.0.1:1/ws", backoff: { minDelayMs: 5 } }).backoff).toEqual({ minDelayMs: 5, maxDelayMs: 30000, factor: 2, jitter: 0.2 });
  });

  it("fails at construction on what the server would refuse later", () => {
    expect(() => resolveOptions({ ...base, url: "ftp://x" })).toThrow(/url must be/);
    expect(() => resolveOptions({ ...base, getToken: "t" as never })).toThrow(/getToken/);
    expect(() => resolveOptions({ ...base, deviceId: "bad id" })).toThrow(/deviceId/);
    expect(() => resolveOptions({ ...base, platform: "amiga" as never })).toThrow(/platform/);
    expect(() => resolveOptions({ ...base, name: "x".repeat(65) })).toThrow(/name/);
    expect(() => resolveOptions({ ...base, topics: [] })).toThrow(/topics/);
    expect(() => resolveOptions({ ...base, topics: ["weather" as never] })).toThrow(/topics/);
    expect(() => resolveOptions({ ...base, backoff: { jitter: 1 } })).toThrow(/jitter/);
    expect(() => resolveOptions({ ...base, maxOutbox: 0 })).toThrow(/maxOutbox/);
    // Node 22 has a global WebSocket, so it is the default here.
    expect(resolveOptions({ url: base.url, getToken: base.getToken }).WebSocket).toBe(globalThis.WebSocket);
  });
});

describe("storage", () => {
  it("memory storage round-trips; web storage swallows quota errors", async () => {
    const m = memoryStorage();
    await m.setItem("k", "v");
    expect(await m.getItem("k")).toBe("v");
    await m.removeItem("k");
    expect(await m.getItem("k")).toBeNull();
    const full = webStorage({ getItem: () => { throw new Error("denied"); }, setItem: () => { throw new Error("quota"); }, removeItem: () => {} });
    expect(full.getItem("k")).toBeNull();
    expect(() => full.setItem("k", "v")).not.toThrow();
  });

  it("the persist queue writes in order and keeps only the latest value of a key", async () => {
    const writes: string[] = [];
    const slow = { getItem: () => null, removeItem: async (k: string) => void writes.push(`-${k}`), setItem: async (k: string, v: string) => {
      await new Promise((r) => setTimeout(r, 1));
      writes.push(`${k}=${v}`);
    } };
    const q = new PersistQueue(slow, () => {});
    q.set("cursor", "1");
    q.set("cursor", "2");
    q.set("outbox", "[]");
    q.set("cursor", "3");
    await q.flush();
    expect(writes).toEqual(["cursor=3", "outbox=[]"]);
    q.set("outbox", null);
    await q.flush();
    expect(writes.at(-1)).toBe("-outbox");
  });
});
