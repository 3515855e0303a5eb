import { describe, expect, it } from "vitest";
import { CLOSE_ACTION, CloseCode, closeAction, ERROR_RETRYABLE, ErrorCode, isRetryable } from "../../protocol/index.js";

describe("ERROR_RETRYABLE", () => {
  it("decides every error code", () => {
    expect(Object.keys(ERROR_RETRYABLE).sort()).toEqual(Object.values(ErrorCode).sort());
  });

  it("marks passing conditions retryable and fixable requests not", () => {
    const retryable = Object.values(ErrorCode).filter((c) => ERROR_RETRYABLE[c]).sort();
    expect(retryable).toEqual(["INTERNAL", "QUEUE_FULL", "RATE_LIMITED", "TOO_MANY_SHOOTS"]);
  });

  it("treats an unknown code as not retryable", () => {
    expect(isRetryable("RATE_LIMITED")).toBe(true);
    expect(isRetryable("SOMETHING_NEW")).toBe(false);
    expect(isRetryable("constructor")).toBe(false);
  });
});

describe("closeAction", () => {
  it("has an action for every close code the server sends", () => {
    for (const code of Object.values(CloseCode)) expect(Object.hasOwn(CLOSE_ACTION, code)).toBe(true);
  });

  it("follows the contract's table for the v1 codes", () => {
    expect(closeAction(CloseCode.TOKEN_MISSING)).toBe("stop");
    expect(closeAction(CloseCode.ORIGIN_NOT_ALLOWED)).toBe("stop");
    expect(closeAction(CloseCode.BAD_REQUEST)).toBe("stop");
    expect(closeAction(CloseCode.TOKEN_INVALID)).toBe("refresh");
    expect(closeAction(CloseCode.RATE_ABUSE)).toBe("backoff");
    expect(closeAction(CloseCode.TOO_MANY_CONNECTIONS)).toBe("backoff");
    expect(closeAction(CloseCode.INTERNAL)).toBe("backoff");
    expect(closeAction(CloseCode.HEARTBEAT_TIMEOUT)).toBe("reconnect");
    expect(closeAction(CloseCode.USER_ERASED)).toBe("reconnect");
    expect(closeAction(CloseCode.TOO_FAR_BEHIND)).toBe("reconnect");
    expect(closeAction(CloseCode.FRAME_TOO_LARGE)).toBe("reconnect");
    expect(closeAction(1006)).toBe("backoff");
  });

  it("decides unknown codes by range", () => {
    expect([4100, 4150, 4199].map(closeAction)).toEqual(["stop", "stop", "stop"]);
    expect([4200, 4299].map(closeAction)).toEqual(["refresh", "refresh"]);
    expect([4300, 4399].map(closeAction)).toEqual(["backoff", "backoff"]);
    expect([4400, 4499].map(closeAction)).toEqual(["reconnect", "reconnect"]);
    // Outside the ranges: back off (neither give up for good nor hammer).
    expect([4004, 4099, 4500, 4999, 1012, 3000].map(closeAction)).toEqual(Array(6).fill("backoff"));
  });
});
