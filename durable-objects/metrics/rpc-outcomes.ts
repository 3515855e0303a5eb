import { ErrorCode } from "../../protocol/index.js";
import { isHubError } from "../../common/hub-rpc.js";
import { log, type LogFields } from "../../common/log.js";
import type { HubMetrics } from "./hub-metrics.js";

/**
 * Counts what an RPC from the Worker answered: each refusal by code (a batch's items one by one),
 * each answer replayed for a repeated Idempotency-Key. A key reused with another request is also a
 * warning: not a client's slip but a service's retry logic sending one key with two requests.
 */
export function countRpcOutcome(metrics: Pick<HubMetrics, "refused" | "dedupHit">, result: unknown, fields: LogFields): void {
  for (const r of Array.isArray(result) ? result : [result]) {
    if (isHubError(r)) {
      metrics.refused(r.error.code, "service");
      if (r.error.code === ErrorCode.IDEMPOTENCY_KEY_REUSED) log("warn", "idempotency key reused with another request", fields);
    } else if ((r as { duplicate?: boolean } | null)?.duplicate) {
      metrics.dedupHit("service");
    }
  }
}
