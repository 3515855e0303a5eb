import type { LedgerRpc } from "../../common/broadcast.js";
import type { Env } from "../../common/env.js";

/** The ledger of a broadcast: `idFromName(broadcastId)`, typed by the declared `LedgerRpc`. */
export const ledgerOf = (namespace: DurableObjectNamespace, broadcastId: string): LedgerRpc =>
  namespace.get(namespace.idFromName(broadcastId)) as unknown as LedgerRpc;

/** The broadcast bindings, or null when this deployment has none (then the routes answer 500). */
export function broadcastBindings(env: Env): { queue: Queue; ledgers: DurableObjectNamespace } | null {
  return env.BROADCAST_QUEUE && env.BROADCAST_LEDGER ? { queue: env.BROADCAST_QUEUE, ledgers: env.BROADCAST_LEDGER } : null;
}
