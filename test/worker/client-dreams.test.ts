import { describe, expect, it } from "vitest";
import { createNerveClient, memoryStorage, type NerveClient } from "../../client/index.js";
import { selfWebSocket, waitFor } from "./client-harness.js";
import { dreamsOf, stepDream } from "./dream-helpers.js";
import { uniqueUser, userToken } from "./helpers.js";

const URL_ = "wss://nerve.test/ws";

describe("client: dreams", () => {
  it("mirrors a whole dream cycle from its events, equal to the server's dreams key", async () => {
    const user = uniqueUser("cdream");
    const laptopNet = selfWebSocket();
    const laptop = createNerveClient({ url: URL_, getToken: () => userToken(user), deviceId: "laptop", storage: memoryStorage(), WebSocket: laptopNet });
    const phone = createNerveClient({ url: URL_, getToken: () => userToken(user), deviceId: "phone", storage: memoryStorage(), WebSocket: selfWebSocket() });
    await Promise.all([laptop.whenSynced(), phone.whenSynced()]);
    const phases: string[] = [];
    laptop.on("DREAM_PROGRESS", (e) => phases.push(e.data.phase));

    const started = await phone.send("DREAM_START", { note: "sdk" });
    expect(started).toMatchObject({ seq: 1, cycleId: expect.stringMatching(/^dc-/) });
    await waitFor(() => laptop.state.dreams?.queue.length === 1, "the queued cycle on the laptop");
    expect(laptop.state.dreams?.queue[0]).toMatchObject({ cycleId: started.cycleId, note: "sdk", trigger: "device", by: "phone" });

    const done = (c: NerveClient) => c.state.dreams?.history.length === 1;
    for (let step = 0; step < 10 && !done(laptop); step++) {
      await stepDream(user);
      await waitFor(() => laptop.seq >= phone.seq && laptop.getSnapshot().synced, "the laptop to catch up");
    }
    await waitFor(() => done(laptop) && done(phone), "the finished cycle on both devices");
    const server = await dreamsOf(user);
    expect(laptop.state.dreams).toEqual(server);
    expect(phone.state.dreams).toEqual(server);
    expect(server?.history[0]).toMatchObject({ cycleId: started.cycleId, status: "completed" });
    expect(phases).toEqual(["decay", "consolidate", "patterns"]);
    // The laptop followed every step from the events alone.
    expect(laptopNet.sockets[0]!.sent.filter((f) => f.includes("STATE_SYNC"))).toEqual([]);
    await laptop.close();
    await phone.close();
  });
});
