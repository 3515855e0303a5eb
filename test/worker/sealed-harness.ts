import { runInDurableObject } from "cloudflare:test";
import { createNerveClient, memoryStorage } from "../../client/index.js";
import { bytesKeyStore, withSealed } from "../../client/sealed/index.js";
import { selfWebSocket, waitFor, type SelfSocket } from "./client-harness.js";
import { hubOf, userToken } from "./helpers.js";

/** A device of `user` with sealed state, through the real Worker; every frame it sends or receives is kept. */
export function sealedDevice(user: string, deviceId: string, network: { down?: () => boolean } = {}) {
  const received: string[] = [];
  const net = selfWebSocket({ ...network, loseIncoming: (t) => (received.push(t), false) });
  const client = withSealed(
    createNerveClient({ url: "wss://nerve.test/ws", getToken: () => userToken(user, { device: deviceId }), storage: memoryStorage(), WebSocket: net }),
    { keyStore: bytesKeyStore(memoryStorage()), storage: memoryStorage(), deviceName: deviceId },
  );
  const frames = () => [...received, ...net.sockets.flatMap((s: SelfSocket) => s.sent)];
  return { client, sealed: client.sealed, frames, received, net };
}
export type SealedDevice = ReturnType<typeof sealedDevice>;

/** The usual start: `first` syncs and sets sealed state up (epoch 1), then `second` is connected, not yet approved. */
export async function setUpSealed(first: SealedDevice, second: SealedDevice): Promise<void> {
  await first.client.whenSynced();
  await first.sealed.settled();
  await first.sealed.setup();
  await second.client.whenSynced();
}

/** Approves `joiner` from `approver` the way two people would: request, compare the codes, confirm on both. */
export async function approve(approver: SealedDevice, joiner: SealedDevice, joinerId: string): Promise<string> {
  await joiner.sealed.requestApproval();
  await waitFor(() => approver.sealed.getSnapshot().requests.some((r) => r.deviceId === joinerId), "the request on the approver");
  await approver.sealed.beginApproval(joinerId);
  const theirs = await waitFor(() => joiner.sealed.getSnapshot().pairings.find((p) => p.role === "new")?.code, "the code on the new device");
  const mine = await waitFor(() => approver.sealed.getSnapshot().pairings.find((p) => p.deviceId === joinerId)?.code, "the code on the approver");
  if (theirs !== mine) throw new Error(`codes differ: ${theirs} vs ${mine}`);
  await joiner.sealed.confirmPairing(true);
  await approver.sealed.approve(joinerId);
  await waitFor(() => joiner.sealed.getSnapshot().status === "ready", "the new device ready");
  return mine;
}

/** Every row of every table of the user's hub, as text: what the server holds at rest. */
export async function hubDump(user: string): Promise<string> {
  return runInDurableObject(hubOf(user), (_instance, state) => {
    const sql = state.storage.sql;
    const tables = sql.exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '_cf_%' AND name NOT LIKE 'sqlite_%'").toArray().map((r) => r.name);
    return tables.map((t) => `${t}: ${JSON.stringify(sql.exec(`SELECT * FROM "${t.replace(/"/g, "")}"`).toArray(), (_k, v) => (v instanceof ArrayBuffer ? new TextDecoder().decode(v) : v))}`).join("\n");
  });
}
