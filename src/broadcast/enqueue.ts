import type { BroadcastMessage } from "../../common/broadcast.js";

/** Queues' bounds on one `sendBatch`: 100 messages and 256 KB, ~100 bytes of which per message are metadata. */
const MAX_MESSAGES_PER_SEND = 100;
const MAX_BYTES_PER_SEND = 250_000;
const METADATA_BYTES = 100;
/** sendBatch calls in flight: the Worker's 6 simultaneous outgoing connections. */
const SENDS_IN_FLIGHT = 6;

/** Cuts messages into sendBatch calls within Queues' count and byte bounds. */
export function sendBatches(messages: readonly BroadcastMessage[]): BroadcastMessage[][] {
  const out: BroadcastMessage[][] = [];
  let current: BroadcastMessage[] = [];
  let bytes = 0;
  for (const m of messages) {
    const size = JSON.stringify(m).length + METADATA_BYTES;
    if (current.length && (current.length === MAX_MESSAGES_PER_SEND || bytes + size > MAX_BYTES_PER_SEND)) {
      out.push(current);
      current = [];
      bytes = 0;
    }
    current.push(m);
    bytes += size;
  }
  if (current.length) out.push(current);
  return out;
}

/**
 * Puts every message on the queue; resolves once all are accepted, throws if any send failed
 * (the caller answers 5xx: a retry with the same Idempotency-Key sends them all again, and the
 * hubs' per-user keys make the repeats no-ops).
 */
export async function enqueueAll(queue: Queue, messages: readonly BroadcastMessage[]): Promise<void> {
  const sends = sendBatches(messages);
  let next = 0;
  const worker = async () => {
    while (next < sends.length) {
      const batch = sends[next++]!;
      await queue.sendBatch(batch.map((body) => ({ body, contentType: "json" as const })));
    }
  };
  await Promise.all(Array.from({ length: Math.min(SENDS_IN_FLIGHT, sends.length) }, worker));
}
