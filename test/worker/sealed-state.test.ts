import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { Keyring, type DirectoryLink, type SealedEnvelope } from "../../protocol/index.js";
import { sealToUser, type SealedChange } from "../../client/sealed/index.js";
import { b64url, framed, fromB64url } from "../../client/sealed/bytes.js";
import { aeadOpen, epochKeys } from "../../client/sealed/primitives.js";
import { waitFor } from "./client-harness.js";
import { api, hubOf, serviceToken, uniqueUser } from "./helpers.js";
import { approve, hubDump, sealedDevice, setUpSealed } from "./sealed-harness.js";

const SECRET = "the-secret-journal-entry-4711";
const SERVICE_SECRET = "the-service-insight-0815";
const AFTER_REMOVAL = "written-after-the-laptop-left-9931";

async function keyringOf(user: string) {
  const res = await api(`/api/sync/users/${user}`, { token: await serviceToken() });
  return (res.json as { state: { keyring?: unknown } }).state.keyring;
}

describe("sealed state", () => {
  it("two devices and a service exchange sealed values; the hub's SQLite and the wire hold no plaintext", async () => {
    const user = uniqueUser("sealed");
    const phone = sealedDevice(user, "phone");
    const laptop = sealedDevice(user, "laptop");
    await phone.client.whenSynced();
    await phone.sealed.settled();
    expect(phone.sealed.getSnapshot().status).toBe("none");
    await phone.sealed.setup();
    expect(phone.sealed.getSnapshot()).toMatchObject({ status: "ready", epoch: 1, keyKind: "bytes" });

    await laptop.client.whenSynced();
    await waitFor(() => laptop.sealed.getSnapshot().status === "unapproved", "the laptop unapproved");
    await expect(laptop.sealed.set("journal", { text: "too early" })).rejects.toMatchObject({ code: "SEALED_LOCKED" });
    const code = await approve(phone, laptop, "laptop");
    expect(code).toMatch(/^\d{6}$/);
    expect(laptop.sealed.getSnapshot().members.map((d) => d.deviceId).sort()).toEqual(["laptop", "phone"]);

    const onLaptop: SealedChange[] = [];
    laptop.sealed.onSealed((c) => onLaptop.push(c));
    const written = await phone.sealed.set("journal", { text: SECRET });
    const seen = await waitFor(() => onLaptop.find((c) => c.value?.value && (c.value.value as { text: string }).text === SECRET), "the laptop reading it");
    expect(seen.value).toMatchObject({ name: "journal", from: "phone", origin: "device", version: written.seq, epoch: 1 });

    // Compare-and-set works on a sealed key: it needs only versions.
    const v = laptop.client.getSnapshot().versions["sealed.journal"]!;
    await laptop.sealed.set("journal", { text: `${SECRET} (edited)` }, { baseVersion: v });
    await expect(phone.sealed.set("journal", { text: "stale" }, { baseVersion: v })).rejects.toMatchObject({ code: "CONFLICT" });
    await waitFor(() => phone.client.getSnapshot().versions["sealed.journal"] === v + 1, "the phone's mirror at the edit");
    expect((await phone.sealed.get("journal"))?.value).toEqual({ text: `${SECRET} (edited)` });

    // A service seals to the user from the directory; both devices read it, the service cannot.
    const { envelope } = sealToUser({ keyring: await keyringOf(user), service: "insights", name: "insight", value: { note: SERVICE_SECRET } });
    const post = await api("/api/sync/sealed", { token: await serviceToken(), body: { userId: user, name: "insight", envelope } });
    expect(post.status).toBe(202);
    for (const d of [phone, laptop]) {
      await waitFor(() => d.client.getSnapshot().state["sealed.insight"], "the service's value");
      expect(await d.sealed.get("insight")).toMatchObject({ value: { note: SERVICE_SECRET }, origin: "service", from: "insights" });
    }

    // A control in plain state proves the scans read what the hub stores and what the wire carries.
    expect((await api("/api/sync/credit-update", { token: await serviceToken(), body: { userId: user, newBalance: 1, change: 1, reason: "plain-control-marker" } })).status).toBe(202);
    await waitFor(() => laptop.client.getSnapshot().state.credits, "the control");
    const dump = await hubDump(user);
    expect(dump).toContain("plain-control-marker");
    expect(dump).toContain((phone.client.getSnapshot().state["sealed.journal"] as SealedEnvelope).ct);
    const wire = [...phone.frames(), ...laptop.frames()].join("\n");
    expect(wire).toContain("plain-control-marker");
    expect(wire).toContain('"SEALED_UPDATE"');
    for (const secret of [SECRET, SERVICE_SECRET, b64url(new TextEncoder().encode(SECRET))]) {
      expect(dump).not.toContain(secret);
      expect(wire).not.toContain(secret);
    }
    await phone.client.close();
    await laptop.client.close();
  });

  it("removing a device rotates the key: it can read nothing written after, and the hub refuses its writes", async () => {
    const user = uniqueUser("sealed-rm");
    const phone = sealedDevice(user, "phone");
    const laptop = sealedDevice(user, "laptop");
    const tablet = sealedDevice(user, "tablet");
    await setUpSealed(phone, laptop);
    await approve(phone, laptop, "laptop");
    await tablet.client.whenSynced();
    await approve(laptop, tablet, "tablet");
    await phone.sealed.set("journal", { text: "before" });
    await phone.sealed.set("old", { text: "sealed in epoch 1" });
    await waitFor(() => laptop.client.getSnapshot().state["sealed.journal"], "the laptop's copy");
    expect((await laptop.sealed.get("journal"))?.value).toEqual({ text: "before" });
    // What the laptop holds when it is removed: the epoch 1 key.
    const stolen = (laptop.sealed as unknown as { keys: Map<number, { content: Uint8Array }> }).keys.get(1)!.content;

    await phone.sealed.removeDevice("laptop");
    expect(phone.sealed.getSnapshot()).toMatchObject({ status: "ready", epoch: 2 });
    await waitFor(() => laptop.sealed.getSnapshot().status === "removed", "the laptop removed");
    await waitFor(() => tablet.sealed.getSnapshot().status === "ready" && tablet.sealed.getSnapshot().epoch === 2, "the tablet on epoch 2");
    const ring = Keyring.parse(await keyringOf(user));
    expect(ring.grants.map((g) => [g.deviceId, g.epoch]).sort()).toEqual([["phone", 2], ["tablet", 2]]);

    await tablet.sealed.set("journal", { text: AFTER_REMOVAL });
    await waitFor(() => (laptop.client.getSnapshot().state["sealed.journal"] as SealedEnvelope | undefined)?.epoch === 2, "the new ciphertext reaching the laptop");
    await expect(laptop.sealed.get("journal")).rejects.toMatchObject({ code: "SEALED_LOCKED" });
    // Even with the old key in hand, the new value does not open; the phone's epoch 2 key opens it the same way.
    const env = laptop.client.getSnapshot().state["sealed.journal"] as SealedEnvelope;
    const aad = framed("nerve-sealed-aad-v1", "journal", 2, env.from, env.ts);
    const current = (phone.sealed as unknown as { keys: Map<number, { content: Uint8Array }> }).keys.get(2)!.content;
    expect(aeadOpen(epochKeys(2, current).enc, fromB64url(env.nonce), aad, fromB64url(env.ct))).not.toBeNull();
    expect(aeadOpen(epochKeys(1, stolen).enc, fromB64url(env.nonce), aad, fromB64url(env.ct))).toBeNull();
    expect((await phone.sealed.get("journal"))?.value).toEqual({ text: AFTER_REMOVAL });
    // A device approved in epoch 2 reads a value of epoch 1 through the key wrap.
    const watch = sealedDevice(user, "watch");
    await watch.client.whenSynced();
    await approve(tablet, watch, "watch");
    expect(await watch.sealed.get("old")).toMatchObject({ value: { text: "sealed in epoch 1" }, epoch: 1, from: "phone" });

    // The hub refuses the removed device's sealed writes, and a service seals to epoch 2.
    const forged = { name: "journal", envelope: { ...env, from: "laptop" } };
    await expect(laptop.client.send("SEALED_UPDATE", forged)).rejects.toMatchObject({ code: "FORBIDDEN" });
    expect(sealToUser({ keyring: ring, service: "s", name: "x", value: 1 }).envelope.epoch).toBe(2);
    // A stale-epoch write from a current member is refused too.
    const stale = { name: "journal", envelope: { ...(env as Extract<SealedEnvelope, { kind: "device" }>), from: "phone", epoch: 1 } };
    await expect(phone.client.send("SEALED_UPDATE", stale)).rejects.toMatchObject({ code: "STALE_EPOCH" });
    // The removed laptop forgets its keys and is approved again: new keys, the current epoch, nothing of its old trust.
    await laptop.sealed.forget();
    expect(laptop.sealed.getSnapshot().status).toBe("unapproved");
    await approve(phone, laptop, "laptop");
    expect(laptop.sealed.getSnapshot().epoch).toBe(2);
    expect((await laptop.sealed.get("journal"))?.value).toEqual({ text: AFTER_REMOVAL });
    for (const d of [phone, laptop, tablet, watch]) await d.client.close();
  });

  it("a device that was away catches up on sealed keys as on any state: the latest value, once, coalesced", async () => {
    const user = uniqueUser("sealed-catchup");
    let down = false;
    const phone = sealedDevice(user, "phone");
    const laptop = sealedDevice(user, "laptop", { down: () => down });
    await setUpSealed(phone, laptop);
    await approve(phone, laptop, "laptop");
    const seen: unknown[] = [];
    laptop.sealed.onSealed((c) => seen.push(c.value?.value ?? c.error?.code));

    down = true;
    laptop.net.sockets.at(-1)!.drop();
    await waitFor(() => laptop.client.getSnapshot().status !== "connected", "the laptop offline");
    for (let i = 1; i <= 5; i++) await phone.sealed.set("journal", { n: i });
    const from = laptop.received.length;
    down = false;
    laptop.client.reconnect();
    await waitFor(() => laptop.client.getSnapshot().synced && laptop.client.getSnapshot().versions["sealed.journal"] !== undefined, "the laptop caught up");
    await laptop.sealed.settled();
    const catchUp = laptop.received.slice(from);
    // One STATE carries the latest ciphertext; none of the five events is replayed.
    expect(catchUp.filter((f) => f.startsWith('{"type":"STATE"') && f.includes('"sealed.journal"'))).toHaveLength(1);
    expect(catchUp.filter((f) => f.includes('"type":"SEALED_UPDATE"'))).toHaveLength(0);
    expect(seen).toEqual([{ n: 5 }]);
    for (const d of [phone, laptop]) await d.client.close();
  });

  it("approval adds the keys whose code the user compared, even when the server swaps the request afterwards", async () => {
    const user = uniqueUser("sealed-swap");
    const phone = sealedDevice(user, "phone");
    const laptop = sealedDevice(user, "laptop");
    await setUpSealed(phone, laptop);
    await laptop.sealed.requestApproval();
    await waitFor(() => phone.sealed.getSnapshot().requests.some((r) => r.deviceId === "laptop"), "the request");
    await phone.sealed.beginApproval("laptop");
    await waitFor(() => phone.sealed.getSnapshot().pairings.find((p) => p.deviceId === "laptop")?.code, "the approver's code");
    await waitFor(() => laptop.sealed.getSnapshot().pairings[0]?.code, "the new device's code");
    const real = (laptop.client.getSnapshot().state["pairing.laptop"] as { request: { x25519: string } }).request.x25519;
    const fake = Keyring.parse(phone.client.getSnapshot().state.keyring).links[0]!.sealPub;
    await runInDurableObject(hubOf(user), (_i, state) => {
      const row = state.storage.sql.exec<{ value: string }>("SELECT value FROM state WHERE key = 'pairing.laptop'").one();
      const value = JSON.parse(row.value) as { request: { x25519: string; ed25519: string } };
      state.storage.sql.exec("UPDATE state SET value = ? WHERE key = 'pairing.laptop'", JSON.stringify({ ...value, request: { ...value.request, x25519: fake, ed25519: fake } }));
    });
    await phone.client.send("STATE_SYNC", {});
    await waitFor(() => (phone.client.getSnapshot().state["pairing.laptop"] as { request: { x25519: string } }).request.x25519 === fake, "the swapped request on the phone");
    await laptop.sealed.confirmPairing(true);
    await phone.sealed.approve("laptop");
    await waitFor(() => laptop.sealed.getSnapshot().status === "ready", "the laptop approved with its own keys");
    expect(Keyring.parse(phone.client.getSnapshot().state.keyring).links[1]!.device!.x25519).toBe(real);
    for (const d of [phone, laptop]) await d.client.close();
  });

  it("a tampered ciphertext and a directory the server altered are refused with coded errors", async () => {
    const user = uniqueUser("sealed-tamper");
    const phone = sealedDevice(user, "phone");
    const laptop = sealedDevice(user, "laptop");
    await setUpSealed(phone, laptop);
    await approve(phone, laptop, "laptop");
    await phone.sealed.set("journal", { text: "genuine" });
    await waitFor(() => laptop.client.getSnapshot().state["sealed.journal"], "the laptop's copy");

    // One character of the ciphertext changed on its way: the laptop refuses it.
    const errors: SealedChange[] = [];
    laptop.sealed.onSealed((c) => c.error && errors.push(c));
    const env = phone.client.getSnapshot().state["sealed.journal"] as Extract<SealedEnvelope, { kind: "device" }>;
    const flipped = env.ct.slice(0, 10) + (env.ct[10] === "A" ? "B" : "A") + env.ct.slice(11);
    await phone.client.send("SEALED_UPDATE", { name: "journal", envelope: { ...env, ct: flipped } });
    const refused = await waitFor(() => errors[0], "the refusal");
    expect(refused).toMatchObject({ name: "journal", error: { code: "SEALED_TAMPERED" } });
    await expect(laptop.sealed.get("journal")).rejects.toMatchObject({ code: "SEALED_TAMPERED" });

    // The server inserts a device of its own into the stored directory (it cannot sign as a member).
    await runInDurableObject(hubOf(user), (_i, state) => {
      const row = state.storage.sql.exec<{ value: string }>("SELECT value FROM state WHERE key = 'keyring'").one();
      const ring = Keyring.parse(JSON.parse(row.value));
      const last = ring.links.at(-1)!;
      const evil: DirectoryLink = {
        ...last, seq: last.seq + 1, prev: last.sig.slice(0, 43), op: "add", signer: "phone", at: Date.now(),
        device: { deviceId: "server-device", x25519: last.sealPub, ed25519: last.sealPub },
      };
      state.storage.sql.exec("UPDATE state SET value = ? WHERE key = 'keyring'", JSON.stringify({ ...ring, links: [...ring.links, evil] }));
    });
    await laptop.client.send("STATE_SYNC", {});
    await waitFor(() => laptop.sealed.getSnapshot().status === "tampered", "the laptop refusing the directory");
    expect(laptop.sealed.getSnapshot().error).toMatchObject({ code: "DIRECTORY_TAMPERED" });
    // Nothing sealed goes out under a directory that failed verification.
    await expect(laptop.sealed.set("journal", { text: "no" })).rejects.toMatchObject({ code: "SEALED_LOCKED" });
    for (const d of [phone, laptop]) await d.client.close();
  });
});
