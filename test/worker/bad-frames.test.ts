import { describe, expect, it } from "vitest";
import { api, device, uniqueUser, userToken } from "./helpers.js";

describe("bad frames", () => {
  it("answers each kind of bad frame with its code, changes nothing, and leaves the other devices alone", async () => {
    const user = uniqueUser();
    const a = await device(user, "a");
    const b = await device(user, "b");
    a.client.drain();
    b.client.drain();

    a.client.send("{oops");
    expect(await a.client.next()).toEqual({ type: "ERROR", code: "BAD_JSON", retryable: false, message: "frame is not valid JSON" });

    a.client.send({ type: "TELEPORT", id: "t1", data: {} });
    expect(await a.client.next()).toEqual({ type: "ERROR", id: "t1", code: "UNKNOWN_TYPE", retryable: false, message: 'unknown message type "TELEPORT"' });

    a.client.send({ type: "LIMBIC_UPDATE", id: "l1", data: { trust: 1.5, charm: 0.2 } });
    expect(await a.client.next()).toEqual({
      type: "ERROR", id: "l1", code: "INVALID_MESSAGE", retryable: false, message: "invalid LIMBIC_UPDATE data",
      issues: [
        { path: "data.trust", message: "Too big: expected number to be <=1" },
        { path: "data", message: 'Unrecognized key: "charm"' },
      ],
    });

    a.client.send({ type: "UPDATE_PROGRESS", id: "u1", data: { shootId: "s", status: "done", processedCount: 5, totalCount: 2 } });
    const invalid = await a.client.next();
    expect(invalid).toMatchObject({ type: "ERROR", id: "u1", code: "INVALID_MESSAGE" });
    expect((invalid.issues as { path: string }[]).map((i) => i.path)).toEqual(["data.status"]);

    a.client.send({ type: "UPDATE_PROGRESS", data: { shootId: "s", status: "processing", processedCount: 5, totalCount: 2 } });
    expect(await a.client.next()).toMatchObject({ code: "INVALID_MESSAGE", issues: [{ path: "data.processedCount", message: "processedCount must not exceed totalCount" }] });

    a.client.send({ kind: "PING" });
    expect(await a.client.next()).toMatchObject({ type: "ERROR", code: "INVALID_MESSAGE", issues: [{ path: "type" }, { path: "" }] });

    a.client.send({ type: "PING", baseVersion: 3, data: { t: 1 } });
    expect(await a.client.next()).toMatchObject({ type: "ERROR", code: "INVALID_MESSAGE", issues: [{ path: "baseVersion", message: "only state updates and sealed writes take baseVersion" }] });

    a.client.send(new TextEncoder().encode("binary").buffer);
    expect(await a.client.next()).toMatchObject({ type: "ERROR", code: "BAD_JSON", retryable: false, message: "binary frames are not supported; send JSON text" });

    // Nothing was applied or broadcast, and both connections still work.
    expect((await api("/api/me/events?since=0", { token: await userToken(user) })).json).toMatchObject({ events: [], seq: 0 });
    a.client.send({ type: "LIMBIC_UPDATE", id: "ok", data: { trust: 0.7 } });
    expect(await a.client.next()).toEqual({ type: "ACCEPTED", id: "ok", seq: 1, ts: expect.any(Number) });
    expect(await b.client.next()).toMatchObject({ type: "LIMBIC_UPDATE", seq: 1, data: { trust: 0.7 } });
    a.client.close();
    b.client.close();
  });

  it("closes with 1009 after TOO_LARGE for a frame over MAX_FRAME_BYTES (65536); the other device stays", async () => {
    const user = uniqueUser();
    const a = await device(user, "a");
    const b = await device(user, "b");
    a.client.drain();
    a.client.send({ type: "CONVERGENCE_UPDATE", data: { answers: { q1: "x".repeat(70_000) } } });
    expect(await a.client.next()).toEqual({ type: "ERROR", code: "TOO_LARGE", retryable: false, message: "frame larger than 65536 bytes" });
    expect(await a.client.waitClosed()).toEqual({ code: 1009, reason: "frame too large" });
    b.client.send({ type: "PING", data: { t: 2 } });
    expect((await b.client.next("PONG")).t).toBe(2);
    expect((await api("/api/me/events?since=0", { token: await userToken(user) })).json.events).toEqual([]);
    b.client.close();
  });

  it("counts multi-byte characters as bytes", async () => {
    const user = uniqueUser();
    const a = await device(user, "a");
    a.client.drain();
    // 30,000 three-byte characters: 90,000 bytes though only 30,000 UTF-16 units.
    a.client.send({ type: "CONVERGENCE_UPDATE", data: { answers: { q1: "€".repeat(30_000) } } });
    expect(await a.client.next()).toMatchObject({ type: "ERROR", code: "TOO_LARGE" });
    expect((await a.client.waitClosed()).code).toBe(1009);
  });
});
