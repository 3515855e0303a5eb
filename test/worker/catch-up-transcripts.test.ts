/// <reference types="vite/client" />
/**
 * Replays every catch-up transcript of docs/vectors/catch-up/ on the real hub: the log is written
 * (through the hub's publish and the DELETE route), a device connects with the transcript's query,
 * and the frames up to SYNCED must be the transcript's, exactly and in order, once the values a
 * recording cannot know are mapped: the user id, the epoch, each event's ts (by seq; state values
 * built from a ts follow), and the server's clock at the connection (serverTime, an online lastSeen).
 */
import { describe, expect, it } from "vitest";
import type { Transcript } from "../../scripts/transcripts.js";
import { api, connect, publishDirect, serviceToken, uniqueUser, userToken } from "./helpers.js";

const files = import.meta.glob<Transcript>("../../docs/vectors/catch-up/*.json", { eager: true, import: "default" });

/** Replaces every string and number of `node` found in `map`. */
function substitute(node: unknown, map: Map<unknown, unknown>): unknown {
  if (Array.isArray(node)) return node.map((n) => substitute(n, map));
  if (node !== null && typeof node === "object") return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, substitute(v, map)]));
  return map.has(node) ? map.get(node) : node;
}

/** The server's clock fields of a frame, set to `at` after checking they are times of this test. */
function pinClock(frame: Record<string, unknown>, at: number, from: number, to: number): Record<string, unknown> {
  const inWindow = (t: unknown) => typeof t === "number" && t >= from && t <= to;
  if (frame.type === "WELCOME") {
    expect(inWindow(frame.serverTime), `serverTime ${frame.serverTime}`).toBe(true);
    return { ...frame, serverTime: at };
  }
  if (frame.type === "STATE" && Array.isArray(frame.devices)) {
    const devices = (frame.devices as Record<string, unknown>[]).map((d) => {
      if (!d.online) return d;
      expect(inWindow(d.lastSeen), `lastSeen ${d.lastSeen}`).toBe(true);
      return { ...d, lastSeen: at };
    });
    return { ...frame, devices };
  }
  return frame;
}

describe("catch-up transcripts (docs/vectors/catch-up) on the real hub", () => {
  it("there are transcripts to replay", () => {
    expect(Object.keys(files).length).toBeGreaterThanOrEqual(8);
  });

  for (const [file, t] of Object.entries(files)) {
    it(`${file.split("/").pop()}: ${t.description.slice(0, 60)}...`, async () => {
      const user = uniqueUser("transcript");
      const service = await serviceToken("sync:publish sync:read", t.log[0]!.from);
      for (const e of t.log) {
        if (e.type === "STATE_REMOVED") {
          const keys = e.data.keys as string[];
          expect(keys).toHaveLength(1); // the DELETE route removes one key an event
          const res = await api(`/api/sync/users/${user}/state/${encodeURIComponent(keys[0]!)}`, { method: "DELETE", token: service });
          expect(res.json).toMatchObject({ seq: e.seq });
        } else {
          expect(await publishDirect(user, e.type, e.data, e.from)).toMatchObject({ seq: e.seq });
        }
      }
      const token = await userToken(user);
      const page = await api(`/api/me/events?since=0`, { token });
      expect(page.json.events.map((e: { seq: number }) => e.seq)).toEqual(t.log.map((e) => e.seq));
      const realTs = new Map<number, number>(page.json.events.map((e: { seq: number; ts: number }) => [e.seq, e.ts]));
      const epoch = page.json.epoch as string;

      // The transcript's names and times as this run made them (a transcript's ts are distinct, so the map is a function).
      const map = new Map<unknown, unknown>([[t.userId, user], [t.epoch, epoch]]);
      for (const e of t.log) map.set(e.ts, realTs.get(e.seq));
      const expected = substitute(t.frames, map);

      const query = substitute(t.query, new Map([[t.epoch, epoch]])) as Record<string, string>;
      const from = Date.now();
      const client = await connect({ token, ...query });
      const frames = await client.catchUp();
      const to = Date.now();
      client.close();

      const got = frames.map((f) => pinClock(f, t.connectedAt, from, to));
      expect(got).toEqual(expected);
      // Exact means the order of keys too: critical state keys first, fields as the server writes them.
      expect(JSON.stringify(got)).toBe(JSON.stringify(expected));
    });
  }
});
