import { describe, expect, it } from "vitest";
import { CloseCode } from "../../protocol/index.js";
import { device, publishDirect, uniqueUser } from "./helpers.js";

const MAX_UNACKED_BYTES = 8_388_608;
const answers = (fill: string) => Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`q${i}`, fill.repeat(4000)]));

describe("slow readers", () => {
  it("a connection that does not ACK is closed with 4012 past MAX_UNACKED_BYTES of live events; one that ACKs stays, and the slow one resumes with since", async () => {
    const user = uniqueUser("slow");
    const slow = await device(user, "slow");
    const acking = await device(user, "acking");
    let seq = 0;
    // ~200 KB an event: 45 of them are past 8 MiB.
    for (let i = 0; i < 45 && !slow.client.closed; i++) {
      seq = (await publishDirect(user, "CONVERGENCE_UPDATE", { answers: answers(String.fromCharCode(97 + (i % 26))) })).seq;
      await acking.client.next("CONVERGENCE_UPDATE");
      if (i % 10 === 9) acking.client.send({ type: "ACK", data: { seq } });
    }
    const closed = await slow.client.waitClosed();
    expect(closed.code).toBe(CloseCode.TOO_FAR_BEHIND);
    expect(closed.code).toBe(4012);
    expect(seq * 200_000).toBeGreaterThan(MAX_UNACKED_BYTES * 0.9);
    expect(acking.client.closed).toBeNull();
    // The slow device comes back with its cursor and catches up.
    const back = await device(user, "slow", { since: 1 });
    expect(back.catchUp[0]).toMatchObject({ type: "WELCOME", resumed: true, seq });
    expect(back.catchUp[1]).toMatchObject({ type: "STATE", versions: { convergence: seq } });
    back.client.close();
    acking.client.close();
  }, 60_000);
});
