import { describe, expect, it } from "vitest";
import { connect, uniqueUser, userToken } from "./helpers.js";

describe("origin check (ALLOWED_ORIGINS=https://app.example.com in tests)", () => {
  it("closes 4003 for an origin that is neither the worker's own nor allowed", async () => {
    const client = await connect({ token: await userToken(uniqueUser()) }, { Origin: "https://evil.example" });
    expect(await client.waitClosed()).toEqual({ code: 4003, reason: "origin https://evil.example is not allowed" });
  });

  it("checks the origin before the token, so a bad origin learns nothing about tokens", async () => {
    const client = await connect({}, { Origin: "https://evil.example" });
    expect((await client.waitClosed()).code).toBe(4003);
  });

  for (const [label, headers] of [
    ["the worker's own origin", { Origin: "https://nerve.test" }],
    ["an allowed origin", { Origin: "https://app.example.com" }],
    ["no Origin (native apps)", {}],
  ] as const) {
    it(`accepts ${label}`, async () => {
      const client = await connect({ token: await userToken(uniqueUser()) }, headers);
      expect((await client.next()).type).toBe("WELCOME");
      client.close();
    });
  }
});
