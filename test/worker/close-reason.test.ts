import { describe, expect, it } from "vitest";
import { connect, uniqueUser, userToken } from "./helpers.js";

const bytes = (s: string) => new TextEncoder().encode(s).byteLength;

describe("close reasons that quote the client fit a close frame (123 bytes of UTF-8)", () => {
  it("a long non-ASCII Origin closes 4003 with a reason cut by bytes, not 500", async () => {
    const origin = `https://${"é".repeat(150)}.example`;
    const client = await connect({ token: await userToken(uniqueUser("origin")) }, { Origin: origin });
    expect(client.response.status).toBe(101);
    const closed = await client.waitClosed();
    expect(closed.code).toBe(4003);
    expect(closed.reason).toMatch(/^origin https:\/\/(é|Ã©)+…$/);
    expect(bytes(closed.reason)).toBeLessThanOrEqual(123);
    expect(bytes(closed.reason)).toBeGreaterThanOrEqual(120);
  });

  it("a short reason is sent whole", async () => {
    const client = await connect({ token: await userToken(uniqueUser("origin")) }, { Origin: "https://évil.example" });
    const closed = await client.waitClosed();
    expect(closed.code).toBe(4003);
    expect(closed.reason).toMatch(/^origin https:\/\/(é|Ã©)vil\.example is not allowed$/);
  });

  it("a long ASCII reason is cut to 123 bytes with an ellipsis", async () => {
    const origin = `https://${"a".repeat(200)}.example`;
    const client = await connect({ token: await userToken(uniqueUser("origin")) }, { Origin: origin });
    const closed = await client.waitClosed();
    expect(closed).toEqual({ code: 4003, reason: `origin https://${"a".repeat(120 - "origin https://".length)}…` });
  });
});
