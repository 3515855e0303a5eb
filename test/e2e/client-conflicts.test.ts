/**
 * The offline two-device scenario of conflict-aware queued edits, with the SDK in Node 22 against a
 * real `wrangler dev`: the phone goes through a TCP proxy this test turns off and on; the desktop
 * connects directly.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createNerveClient, memoryStorage, type ConflictEvent, type NerveClient } from "../../client/index.js";
import { http, startNerve, type Nerve } from "./harness.js";
import { waitForClient } from "./client-wait.js";
import { Proxy } from "./tcp-proxy.js";

let nerve: Nerve;
let proxy: Proxy;
const clients: NerveClient[] = [];

beforeAll(async () => {
  nerve = await startNerve();
  proxy = new Proxy(nerve.port);
  await proxy.start();
});

afterAll(async () => {
  for (const c of clients) await c.close();
  await proxy?.stop();
  await nerve?.stop();
});

/** Waits for a condition on the client; a timeout shows the server's output too. */
const until = (client: NerveClient, check: () => boolean, what: string, timeoutMs?: number) =>
  waitForClient(client, check, what, timeoutMs, () => nerve.output().slice(-2000));

function device(user: string, deviceId: string, port: number): NerveClient {
  const client = createNerveClient({
    url: `ws://127.0.0.1:${port}/ws`, getToken: () => nerve.userToken(user), deviceId, platform: "linux",
    storage: memoryStorage(), backoff: { minDelayMs: 50, maxDelayMs: 300 }, maxRetries: 1,
  });
  clients.push(client);
  return client;
}

describe("client conflicts against wrangler dev", () => {
  it("offline edits: no silent overwrite, disjoint fields merged, overlaps raised, the resolution reaches both", async () => {
    const user = `conf-${Date.now().toString(36)}`;
    const phone = device(user, "phone", proxy.port);
    const desktop = device(user, "desktop", nerve.port);
    await Promise.all([phone.whenSynced(), desktop.whenSynced()]);
    await desktop.send("POSTURE_CHANGE", { posture: "peer" });
    await until(phone, () => phone.versions.posture === 1, "the phone sees the posture");

    proxy.down = true;
    proxy.cut();
    await until(phone, () => phone.status === "offline", "phone offline");
    const warmth = phone.send("LIMBIC_UPDATE", { warmth: 0.3 });
    const trust = phone.send("LIMBIC_UPDATE", { trust: 0.1 }).catch((e: unknown) => e);
    const posture = phone.send("POSTURE_CHANGE", { posture: "companion" });
    await desktop.send("LIMBIC_UPDATE", { trust: 0.8 });
    const copilot = await desktop.send("POSTURE_CHANGE", { posture: "copilot" });

    const conflicts: ConflictEvent[] = [];
    phone.on("conflict", (c) => conflicts.push(c));
    proxy.down = false;
    phone.wake();
    await until(phone, () => conflicts.length === 2, "two conflicts");
    expect(conflicts.map((c) => [c.key, c.fields, c.mine])).toEqual([["limbic", ["trust"], { trust: 0.1 }], ["posture", ["posture"], { posture: "companion" }]]);
    expect(conflicts[1]).toMatchObject({ theirsFrom: "desktop", theirsVersion: copilot.seq, theirs: { posture: "copilot" } });
    await warmth;
    await until(desktop, () => desktop.state.limbic?.warmth === 0.3, "the merged field on the desktop");
    expect(desktop.state.limbic).toMatchObject({ trust: 0.8, warmth: 0.3 });
    expect(desktop.state.posture?.posture).toBe("copilot");

    conflicts[0]!.resolve("theirs");
    conflicts[1]!.resolve("mine");
    expect(await trust).toMatchObject({ code: "CONFLICT" });
    await posture;
    await until(desktop, () => desktop.state.posture?.posture === "companion", "the resolution on the desktop");
    const me = (await http(nerve.url, "/api/me", { token: await nerve.userToken(user) })).json as { seq: number; state: Record<string, unknown> };
    await until(phone, () => phone.seq === me.seq, "the phone at the last seq");
    expect(phone.state).toEqual(me.state);
    expect(desktop.state).toEqual(me.state);
    expect(me.state.limbic).toMatchObject({ trust: 0.8, warmth: 0.3 });
  });
});
