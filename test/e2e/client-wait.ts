import type { NerveClient } from "../../client/index.js";

/**
 * Waits for a condition on an SDK client, woken by its changes (no polling); fails after
 * `timeoutMs` saying what it waited for, with the client's snapshot and `detail()` (e.g. the
 * server's output).
 */
export function waitForClient(client: NerveClient, check: () => boolean, what: string, timeoutMs = 15_000, detail: () => string = () => ""): Promise<void> {
  if (check()) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; snapshot ${JSON.stringify({ ...client.getSnapshot(), state: undefined })}\n${detail()}`));
    }, timeoutMs);
    const off = client.subscribe(() => {
      if (!check()) return;
      clearTimeout(timer);
      off();
      resolve();
    });
  });
}
