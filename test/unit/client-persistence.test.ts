import { describe, expect, it } from "vitest";
import { memoryStorage, type NerveStorage } from "../../client/storage.js";
import { PersistQueue } from "../../client/persist-queue.js";
import { SyncStore } from "../../client/sync-store.js";
import { UserStorage } from "../../client/user-storage.js";

/** A storage whose process "dies" after `budget` more writes: later writes never reach it. */
function dyingStorage(base: NerveStorage) {
  let budget = Infinity;
  const writes: string[] = [];
  const storage: NerveStorage = {
    getItem: (k) => base.getItem(k),
    setItem: (k, v) => {
      if (budget-- <= 0) throw new Error("process gone");
      writes.push(k);
      return base.setItem(k, v);
    },
    removeItem: (k) => {
      if (budget-- <= 0) throw new Error("process gone");
      writes.push(`-${k}`);
      return base.removeItem(k);
    },
  };
  return { storage, writes, dieAfter: (n: number) => (budget = n) };
}

const mirrorAt = (seq: number, trust: number) => ({ seq, state: { limbic: { trust } }, versions: { limbic: seq } });

function open(storage: NerveStorage) {
  const queue = new PersistQueue(storage, () => {});
  return { queue, stored: new UserStorage(storage, "nerve", queue) };
}

describe("persistence: cursor, epoch and mirror are one value", () => {
  it("one save is one write: a crash right after it leaves the new cursor with its own mirror and epoch", async () => {
    const base = memoryStorage();
    const d = dyingStorage(base);
    const { queue, stored } = open(d.storage);
    stored.saveSync("alice", { seq: 5, epoch: "e1", mirror: mirrorAt(5, 0.5) });
    await queue.flush();
    d.dieAfter(1);
    stored.saveSync("alice", { seq: 9, epoch: "e2", mirror: mirrorAt(9, 0.9) });
    await queue.flush();
    expect(d.writes).toEqual(["nerve:u:alice:sync", "nerve:u:alice:sync"]);
    const loaded = await open(base).stored.load("alice");
    expect(loaded).toEqual({ cursor: 9, epoch: "e2", outbox: [], mirror: mirrorAt(9, 0.9) });
  });

  it("a crash before the write leaves the previous value whole", async () => {
    const base = memoryStorage();
    const d = dyingStorage(base);
    const { queue, stored } = open(d.storage);
    stored.saveSync("alice", { seq: 5, epoch: "e1", mirror: mirrorAt(5, 0.5) });
    await queue.flush();
    d.dieAfter(0);
    stored.saveSync("alice", { seq: 0, epoch: "e2", mirror: { seq: 0, state: {}, versions: {} } });
    await queue.flush();
    expect(await open(base).stored.load("alice")).toEqual({ cursor: 5, epoch: "e1", outbox: [], mirror: mirrorAt(5, 0.5) });
  });

  it("reads the old separate keys when there is no record, and removes them only after the record is written", async () => {
    const base = memoryStorage();
    await base.setItem("nerve:u:bob:cursor", "7:old");
    await base.setItem("nerve:u:bob:mirror", JSON.stringify(mirrorAt(7, 0.7)));
    const d = dyingStorage(base);
    const { queue, stored } = open(d.storage);
    expect(await stored.load("bob")).toEqual({ cursor: 7, epoch: "old", outbox: [], mirror: mirrorAt(7, 0.7) });
    d.dieAfter(1); // the record is written, the removals never happen
    stored.saveSync("bob", { seq: 8, epoch: "old", mirror: mirrorAt(8, 0.8) });
    await queue.flush();
    expect(await open(base).stored.load("bob")).toEqual({ cursor: 8, epoch: "old", outbox: [], mirror: mirrorAt(8, 0.8) });
    d.dieAfter(Infinity);
    const again = open(d.storage);
    await again.stored.load("bob");
    again.stored.saveSync("bob", { seq: 9, epoch: "old", mirror: null });
    await again.queue.flush();
    expect(d.writes.slice(-3)).toEqual(["nerve:u:bob:sync", "-nerve:u:bob:cursor", "-nerve:u:bob:mirror"]);
    expect(await base.getItem("nerve:u:bob:cursor")).toBeNull();
  });

  it("a record whose mirror is ahead of its cursor, or unreadable, yields no mirror", async () => {
    const base = memoryStorage();
    await base.setItem("nerve:u:c:sync", JSON.stringify({ v: 1, seq: 3, epoch: "e", mirror: mirrorAt(4, 0.4) }));
    expect((await open(base).stored.load("c")).mirror).toBeNull();
    await base.setItem("nerve:u:c:sync", "{not json");
    expect(await open(base).stored.load("c")).toEqual({ cursor: null, epoch: null, outbox: [], mirror: null });
  });
});

describe("persistence: an epoch reset", () => {
  const noHooks = { mirrorChanged: () => {}, deliver: () => {}, cursorMoved: () => {}, needFullState: () => {} };
  const store = (storage: NerveStorage) => new SyncStore({ storage, storagePrefix: "nerve", persistState: true, contiguous: true, onStorageError: () => {} }, noHooks);

  it("writes the new epoch only with its reset STATE, in that one write; a crash before it keeps the old history whole", async () => {
    const base = memoryStorage();
    await base.setItem("nerve:u:alice:sync", JSON.stringify({ v: 1, seq: 5, epoch: "e1", mirror: mirrorAt(5, 0.5) }));
    const d = dyingStorage(base);
    const s = store(d.storage);
    expect(await s.loadUser("alice")).toEqual({ cursor: 5, outbox: [] });
    expect(s.resumePoint()).toEqual({ since: 5, epoch: "e1" });

    // The data was erased: WELCOME names a new epoch (not resumed). Nothing is written for it yet.
    s.welcome(false, "e2");
    await s.flush();
    expect(d.writes).toEqual([]);
    expect(await open(base).stored.load("alice")).toEqual({ cursor: 5, epoch: "e1", outbox: [], mirror: mirrorAt(5, 0.5) });

    // The reset STATE of the new history: cursor, epoch and mirror go in one write; the process dies after it.
    d.dieAfter(1);
    s.sync.state({ type: "STATE", seq: 2, state: { limbic: { trust: 0.2 } }, versions: { limbic: 2 }, reset: true });
    await s.flush();
    s.sync.synced(2);
    s.sync.event({ type: "LIMBIC_UPDATE", seq: 3, ts: 1, data: { trust: 0.3 }, from: "d" });
    await s.flush();
    expect(d.writes).toEqual(["nerve:u:alice:sync"]);
    expect(await open(base).stored.load("alice")).toEqual({ cursor: 2, epoch: "e2", outbox: [], mirror: mirrorAt(2, 0.2) });
  });

  it("a crash between a live event and the next mirror save resumes from the cursor and asks for the full state", async () => {
    const base = memoryStorage();
    const first = store(base);
    await first.loadUser("bob");
    first.welcome(false, "e1");
    first.sync.state({ type: "STATE", seq: 1, state: { limbic: { trust: 0.1 } }, versions: { limbic: 1 }, reset: true });
    first.sync.synced(1);
    first.sync.event({ type: "LIMBIC_UPDATE", seq: 2, ts: 1, data: { trust: 0.2 }, from: "d" });
    // The mirror is saved at most once a second: the process dies before that.
    await Promise.resolve();
    await Promise.resolve();
    const loaded = await open(base).stored.load("bob");
    expect([loaded.cursor, loaded.epoch, loaded.mirror?.seq]).toEqual([2, "e1", 1]);
    const again = store(base);
    await again.loadUser("bob");
    // Shown at once, but not whole (it lacks seq 2): the full state is needed before it is trusted.
    expect([again.mirror.state.limbic?.trust, again.sync.needsFullState, again.resumePoint()]).toEqual([0.1, true, { since: 2, epoch: "e1" }]);
  });
});

