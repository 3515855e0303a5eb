import { describe, expect, it } from "vitest";
import { app } from "../../src/app.js";
import { env } from "cloudflare:test";
import type { Env } from "../../common/env.js";
import { connect, uniqueUser, userToken } from "./helpers.js";

const MESSAGE = "must not contain control, format or bidirectional characters";
const UNSAFE: [string, string][] = [
  ["U+202E (right-to-left override)", "Ana\u202Eenohp"],
  ["NUL", "Ana\u0000"],
  ["a newline", "Ana\nPhone"],
  ["U+200F (right-to-left mark)", "\u200FAna"],
  ["U+2066 (left-to-right isolate)", "Ana\u2066x\u2069"],
  ["U+202A (left-to-right embedding)", "\u202AAna"],
  ["U+200B (zero-width space)", "Ana\u200BPhone"],
  ["U+FEFF (byte order mark)", "\uFEFFAna"],
];

describe("device names refuse control, format and bidi characters", () => {
  for (const [label, name] of UNSAFE) {
    it(`/ws?name= with ${label} closes 4000 naming the problem`, async () => {
      const client = await connect({ token: await userToken(uniqueUser("name")), name });
      expect(await client.waitClosed()).toEqual({ code: 4000, reason: `name: ${MESSAGE}` });
      expect(client.frames).toEqual([]);
    });
  }

  it("dev sign-in refuses such a deviceName with 400 INVALID_BODY and the issue", async () => {
    const res = await app.request("http://127.0.0.1:8787/api/dev/sign-in", {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ userId: "alice", deviceName: "Ana\u202Eenohp" }),
    }, { ...(env as unknown as Env), DEV_SIGN_IN: "1" });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: { code: "INVALID_BODY", retryable: false, message: "the body is invalid", issues: [{ path: "deviceName", message: MESSAGE }] } });
  });

  for (const name of ["Ana's iPhone", "日本語のMac", "Família 👨‍👩‍👧", "Work Mac (2)"]) {
    it(`accepts ${JSON.stringify(name)} and shows it to the user's devices`, async () => {
      const client = await connect({ token: await userToken(uniqueUser("name")), device: "d1", name });
      const [, state] = await client.catchUp();
      expect(state).toMatchObject({ type: "STATE", devices: [expect.objectContaining({ deviceId: "d1", name })] });
      client.close();
    });
  }
});
