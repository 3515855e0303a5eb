import { describe, expect, it } from "vitest";
import { overLimit, peek, toClientMessage } from "../../durable-objects/client-frame.js";

const read = (text: string) => toClientMessage(peek(text));

describe("client frames", () => {
  it("reads a valid message, with its id and baseVersion", () => {
    expect(read('{"type":"LIMBIC_UPDATE","id":"m1","baseVersion":4,"data":{"trust":0.3}}'))
      .toEqual({ ok: true, msg: { type: "LIMBIC_UPDATE", id: "m1", baseVersion: 4, data: { trust: 0.3 } } });
    expect(read('{"type":"STATE_SYNC"}')).toEqual({ ok: true, msg: { type: "STATE_SYNC", data: {} } });
  });

  it("refuses each kind of bad frame with its code, naming the id when it can", () => {
    expect(toClientMessage(peek(new ArrayBuffer(4)), true)).toEqual({ ok: false, error: { type: "ERROR", code: "BAD_JSON", retryable: false, message: "binary frames are not supported; send JSON text" } });
    expect(read("{nope")).toEqual({ ok: false, error: { type: "ERROR", code: "BAD_JSON", retryable: false, message: "frame is not valid JSON" } });
    expect(read('{"type":"FLY","id":"x"}')).toEqual({ ok: false, error: { type: "ERROR", id: "x", code: "UNKNOWN_TYPE", retryable: false, message: 'unknown message type "FLY"' } });
    expect(read('{"type":"toString"}')).toMatchObject({ ok: false, error: { code: "UNKNOWN_TYPE" } });
    expect(read('{"type":"PING","id":"p","extra":1,"data":{"t":1}}')).toEqual({ ok: false, error: { type: "ERROR", id: "p", code: "INVALID_MESSAGE", retryable: false, message: "frame is not a valid message", issues: [{ path: "", message: 'Unrecognized key: "extra"' }] } });
    expect(read('{"type":"ACK","baseVersion":1,"data":{"seq":1}}')).toMatchObject({ ok: false, error: { code: "INVALID_MESSAGE", issues: [{ path: "baseVersion" }] } });
    expect(read('{"type":"POSTURE_CHANGE","id":"q","data":{"posture":"boss"}}')).toMatchObject({ ok: false, error: { id: "q", code: "INVALID_MESSAGE", retryable: false, message: "invalid POSTURE_CHANGE data", issues: [{ path: "data.posture" }] } });
  });

  it("measures frames in UTF-8 bytes against the limit", () => {
    expect(overLimit("a".repeat(100), 100)).toBe(false);
    expect(overLimit("a".repeat(101), 100)).toBe(true);
    expect(overLimit("€".repeat(34), 100)).toBe(true); // 102 bytes in 34 UTF-16 units
    expect(overLimit("€".repeat(33), 100)).toBe(false);
    expect(overLimit(new ArrayBuffer(101), 100)).toBe(true);
  });
});
