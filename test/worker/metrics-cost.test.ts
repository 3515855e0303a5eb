import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { api, connect, hubOf, publishDirect, serviceToken, uniqueUser, userToken } from "./helpers.js";

interface Tally {
  total: number;
  metrics: number;
}

/**
 * Counts the SQLite rows each statement of the hub writes (`cursor.rowsWritten`, what storage is
 * billed by), and how many of them are the counters' own row. Installed on the live instance's
 * `sql`, which every part of the hub shares.
 */
async function tallyRows(user: string): Promise<() => Promise<Tally>> {
  await runInDurableObject(hubOf(user), (_i, state) => {
    const sql = state.storage.sql as SqlStorage & { tally?: { cursors: [string, SqlStorageCursor<Record<string, SqlStorageValue>>][] } };
    const exec = sql.exec.bind(sql);
    sql.tally = { cursors: [] };
    sql.exec = ((query: string, ...bindings: unknown[]) => {
      const cursor = exec(query, ...bindings);
      sql.tally!.cursors.push([query, cursor]);
      return cursor;
    }) as typeof sql.exec;
  });
  return () => runInDurableObject(hubOf(user), (_i, state) => {
    const sql = state.storage.sql as SqlStorage & { tally?: { cursors: [string, SqlStorageCursor<Record<string, SqlStorageValue>>][] } };
    const cursors = sql.tally!.cursors.splice(0);
    let total = 0;
    let metrics = 0;
    for (const [query, cursor] of cursors) {
      total += cursor.rowsWritten;
      if (cursor.rowsWritten) console.log("ROW", cursor.rowsWritten, query.slice(0, 90));
      if (query.includes("hub_metrics")) metrics += cursor.rowsWritten;
    }
    return { total, metrics };
  });
}

describe("hub metrics: what the counters cost in rows written", () => {
  it("no row with a write or a frame; one with every tenth write, and with a socket's own rows", async () => {
    const user = uniqueUser("cost");
    const token = await serviceToken();
    const client = await connect({ token: await userToken(user), device: "d" });
    await client.catchUp();
    await publishDirect(user, "PROMPT_CHANGE", { promptId: "warm", action: "created" });
    const rows = await tallyRows(user);

    const results: Record<string, Tally> = {};
    expect((await api("/api/sync/prompt-change", { token, body: { userId: user, promptId: "p", action: "created" } })).status).toBe(202);
    await client.next("PROMPT_CHANGE");
    results["service publish (1 event)"] = await rows();
    client.send({ type: "LIMBIC_UPDATE", id: "l1", data: { warmth: 0.4 } });
    await client.next("ACCEPTED");
    results["client state update with id"] = await rows();
    client.send({ type: "ACK", data: { seq: 2 } });
    client.send({ type: "PING", data: { t: 1 } });
    await client.next("PONG");
    results["ACK + PING frames"] = await rows();
    client.send("{oops");
    await client.next("ERROR");
    results["refused frame"] = await rows();

    for (let i = 0; i < 8; i++) await publishDirect(user, "PROMPT_CHANGE", { promptId: `q${i}`, action: "created" });
    results["8 more service publishes (the tenth write since the connect)"] = await rows();
    const second = await connect({ token: await userToken(user), device: "e" });
    await second.catchUp();
    results["a second socket's connect"] = await rows();

    console.log(`rows written per entry point (total, of which the counters' row): ${JSON.stringify(results)}`);
    expect(results["service publish (1 event)"]!.metrics).toBe(0);
    expect(results["client state update with id"]!.metrics).toBe(0);
    expect(results["ACK + PING frames"]!.metrics).toBe(0);
    expect(results["refused frame"]!.metrics).toBe(0);
    expect(results["8 more service publishes (the tenth write since the connect)"]!.metrics).toBe(1);
    expect(results["a second socket's connect"]!.metrics).toBe(1);
    client.close();
    second.close();
  });
});
