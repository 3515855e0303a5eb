import { afterEach, describe, expect, it, vi } from "vitest";
import { api, serviceToken, uniqueUser } from "./helpers.js";

/** The JSON log lines written through `console.*` while `run` runs (Worker and hub share this isolate here). */
async function linesDuring(run: () => Promise<void>): Promise<{ text: string; json: Record<string, unknown> }[]> {
  const texts: string[] = [];
  for (const level of ["log", "warn", "error"] as const) {
    vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
      texts.push(args.map(String).join(" "));
    });
  }
  await run();
  return texts.flatMap((text) => {
    try {
      return [{ text, json: JSON.parse(text) as Record<string, unknown> }];
    } catch {
      return [];
    }
  });
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("structured logs with a request id across the Worker-to-hub hop", () => {
  it("the hub's line carries the Worker's request id (cf-ray), and no token or payload", async () => {
    const user = uniqueUser("log");
    const token = await serviceToken();
    const body = { userId: user, newBalance: 5, change: 5, reason: "secret-reason-payload" };
    let answer: Awaited<ReturnType<typeof api>> | undefined;
    const lines = await linesDuring(async () => {
      await api("/api/sync/credit-update", { token, body, headers: { "Idempotency-Key": "k-1" } });
      answer = await api("/api/sync/credit-update", { token, body: { ...body, change: 6 }, headers: { "Idempotency-Key": "k-1", "cf-ray": "8c1f2e3d4a5b6c7d-LHR" } });
    });
    expect(answer!.status).toBe(422);
    expect(answer!.headers.get("X-Request-Id")).toBe("8c1f2e3d4a5b6c7d-LHR");
    const line = lines.find((l) => l.json.msg === "idempotency key reused with another request");
    expect(line?.json).toMatchObject({ level: "warn", rid: "8c1f2e3d4a5b6c7d-LHR", hub: user, method: "publish" });
    for (const l of lines) {
      expect(l.text).not.toContain(token);
      expect(l.text).not.toMatch(/eyJ/);
      expect(l.text).not.toContain("secret-reason-payload");
    }
  });

  it("without a cf-ray the Worker makes an id, names it in X-Request-Id, and hands the same one to the hub", async () => {
    const user = uniqueUser("log");
    const token = await serviceToken();
    let rid: string | null = null;
    const lines = await linesDuring(async () => {
      await api("/api/sync/prompt-change", { token, body: { userId: user, promptId: "p", action: "created" }, headers: { "Idempotency-Key": "same" } });
      const r = await api("/api/sync/prompt-change", { token, body: { userId: user, promptId: "q", action: "created" }, headers: { "Idempotency-Key": "same" } });
      rid = r.headers.get("X-Request-Id");
    });
    expect(rid).toMatch(/^[0-9a-f-]{36}$/);
    expect(lines.filter((l) => l.json.msg === "idempotency key reused with another request").map((l) => l.json.rid)).toEqual([rid]);
  });

  it("a refusal the Worker makes itself names its request id too", async () => {
    const res = await api("/api/sync/users/x/metrics", { headers: { "cf-ray": "ray-401" } });
    expect(res.status).toBe(401);
    expect(res.headers.get("X-Request-Id")).toBe("ray-401");
  });
});
