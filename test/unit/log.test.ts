import { afterEach, describe, expect, it, vi } from "vitest";
import { log, requestIdOf, scrub, validRequestId } from "../../common/log.js";

afterEach(() => {
  vi.restoreAllMocks();
});

const JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl";

describe("common/log", () => {
  it("writes one JSON line per call, at the console level of its severity", () => {
    const error = vi.spyOn(console, "error").mockImplementation(() => {});
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const info = vi.spyOn(console, "log").mockImplementation(() => {});
    log("error", "hub failed", { rid: "r1", userId: "alice", n: 3, skipped: undefined }, new TypeError("boom"));
    log("warn", "slow", { rid: "r2" });
    log("info", "hello");
    const line = JSON.parse(error.mock.calls[0]![0] as string);
    expect(line).toMatchObject({ level: "error", msg: "hub failed", rid: "r1", userId: "alice", n: 3, error: { name: "TypeError", message: "boom" } });
    expect(line).not.toHaveProperty("skipped");
    expect(line.error.stack).toContain("TypeError: boom");
    expect(JSON.parse(warn.mock.calls[0]![0] as string)).toEqual({ level: "warn", msg: "slow", rid: "r2" });
    expect(JSON.parse(info.mock.calls[0]![0] as string)).toEqual({ level: "info", msg: "hello" });
  });

  it("never prints a token, whether in a field, a message or an error", () => {
    const error = vi.spyOn(console, "error").mockImplementation(() => {});
    log("error", `verify ${JWT} failed`, { header: `Bearer ${JWT}`, sub: `bearer.${JWT}` }, new Error(`jose: bad token ${JWT}`));
    const text = error.mock.calls[0]![0] as string;
    expect(text).not.toContain(JWT);
    expect(text).not.toMatch(/eyJ/);
    expect(JSON.parse(text)).toMatchObject({ msg: "verify [redacted] failed", header: "Bearer [redacted]", error: { message: "jose: bad token [redacted]" } });
    expect(scrub("no secrets here")).toBe("no secrets here");
  });

  it("takes cf-ray as the request id when it is well formed, else makes one", () => {
    expect(requestIdOf(new Headers({ "cf-ray": "8c1f2e3d4a5b6c7d-LHR" }))).toBe("8c1f2e3d4a5b6c7d-LHR");
    expect(requestIdOf(new Headers({ "cf-ray": "no spaces allowed" }))).toMatch(/^[0-9a-f-]{36}$/);
    expect(requestIdOf(new Headers())).toMatch(/^[0-9a-f-]{36}$/);
    expect(validRequestId("r-1")).toBe("r-1");
    expect(validRequestId("x".repeat(65))).toBeUndefined();
    expect(validRequestId(7)).toBeUndefined();
  });
});
