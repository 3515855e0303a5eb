import { runInDurableObject } from "cloudflare:test";
import type { Writer } from "../../durable-objects/hub/writer.js";
import type { UserHub } from "../../durable-objects/user-hub.js";
import { hubOf } from "./helpers.js";

/** The hub's one write path, for bulk setup faster than HTTP (no auth, no service rate bucket). */
const writerOf = (instance: UserHub) => (instance as unknown as { parts: { writer: Writer } }).parts.writer;

/**
 * Writes `n` shoots straight through the hub's writer, in one visit to the object.
 * Returns the refusal codes met (a limit) by index.
 */
export async function writeShoots(user: string, n: number, shoot: (i: number) => Record<string, unknown>, from = "bulk") {
  return runInDurableObject(hubOf(user), async (instance: UserHub) => {
    const writer = writerOf(instance);
    const refused: { i: number; code: string }[] = [];
    for (let i = 0; i < n; i++) {
      const outcome = await writer.write([{ type: "SHOOT_PROGRESS", data: shoot(i), from }]);
      if (!outcome.ok) refused.push({ i, code: outcome.error.code });
    }
    return refused;
  });
}

/** Reads one number from the hub's SQLite. */
export const sqlNumber = (user: string, query: string, ...args: SqlStorageValue[]) =>
  runInDurableObject(hubOf(user), (_i, state) => state.storage.sql.exec<{ n: number }>(query, ...args).one().n);

export const finishedShoot = (shootId: string, extra: Record<string, unknown> = {}) =>
  ({ shootId, status: "completed", processedCount: 10, totalCount: 10, ...extra });
export const runningShoot = (shootId: string, extra: Record<string, unknown> = {}) =>
  ({ shootId, status: "processing", processedCount: 1, totalCount: 10, ...extra });
