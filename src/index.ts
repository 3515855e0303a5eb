import type { Env } from "../common/env.js";
import { app } from "./app.js";
import { BROADCAST_QUEUE_NAME } from "../common/broadcast.js";
import { consumeBroadcasts } from "./broadcast/consumer.js";

export { UserHub } from "../durable-objects/user-hub.js";
export { BroadcastLedger } from "../durable-objects/broadcast/broadcast-ledger.js";

export default {
  fetch: app.fetch,
  async queue(batch, env) {
    if (batch.queue !== BROADCAST_QUEUE_NAME) {
      // A queue bound to this Worker by mistake: its messages are not ours to drop; they retry.
      console.error(`queue(): no consumer for queue ${batch.queue}`);
      batch.retryAll();
      return;
    }
    try {
      await consumeBroadcasts(batch, env);
    } catch (err) {
      // consumeBroadcasts settles each message itself; this is a broken setup. Retry what is left.
      console.error("queue() failed:", err);
      batch.retryAll();
    }
  },
} satisfies ExportedHandler<Env>;
