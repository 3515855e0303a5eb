import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { MIGRATIONS, migrate } from "../../durable-objects/schema.js";
import { hubOf, publishDirect, uniqueUser } from "./helpers.js";

describe("SQLite schema", () => {
  it("is at the newest migration, and migrating again changes nothing", async () => {
    const user = uniqueUser();
    await publishDirect(user, "PROMPT_CHANGE", { promptId: "p", action: "created" });
    const result = await runInDurableObject(hubOf(user), (_i, state) => {
      const sql = state.storage.sql;
      const before = sql.exec<{ value: number }>("SELECT value FROM _meta WHERE key = 'schema_version'").one().value;
      const again = migrate(sql, (fn) => state.storage.transactionSync(fn));
      const tables = sql.exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_%' ESCAPE '\\' ORDER BY name").toArray().map((r) => r.name);
      const events = sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM events").one().n;
      return { before, again, tables, events };
    });
    expect(result.before).toBe(MIGRATIONS.length);
    expect(result.again).toBe(MIGRATIONS.length);
    expect(result.events).toBe(1);
    expect(result.tables).toEqual(expect.arrayContaining(["client_messages", "devices", "dream_work", "events", "idempotency_keys", "jobs", "rate_buckets", "state"]));
  });
});
